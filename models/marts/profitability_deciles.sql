{{ config(materialized='table') }}
-- The 20/80 view of customer_profitability: customers ranked by profit in ten equal groups
-- (decile 1 = the most profitable tenth), each with its totals and the cumulative share of all
-- customers and of all profit down to it.
with deciles as (
    select
        profit_decile,
        count(*) as customers,
        sum(net_revenue) as net_revenue,
        sum(gross_margin) as gross_margin,
        sum(cost_to_serve) as cost_to_serve,
        sum(profit) as profit,
        min(profit) as min_profit,
        max(profit) as max_profit
    from {{ ref('customer_profitability') }}
    group by profit_decile
),

totals as (
    select sum(customers) as customers, sum(profit) as profit from deciles
)

select
    deciles.profit_decile,
    cast(deciles.customers as integer) as customers,
    cast(round(deciles.net_revenue, 2) as double) as net_revenue,
    cast(round(deciles.gross_margin, 2) as double) as gross_margin,
    cast(round(deciles.cost_to_serve, 2) as double) as cost_to_serve,
    cast(round(deciles.profit, 2) as double) as profit,
    cast(deciles.min_profit as double) as min_profit,
    cast(deciles.max_profit as double) as max_profit,
    case when totals.profit > 0 then deciles.profit / totals.profit end as profit_share,
    cast(sum(deciles.customers) over (order by deciles.profit_decile rows between unbounded preceding and current row) as double) / totals.customers as cumulative_customer_share,
    case
        when totals.profit > 0 then sum(deciles.profit) over (order by deciles.profit_decile rows between unbounded preceding and current row) / totals.profit
    end as cumulative_profit_share
from deciles
cross join totals
order by deciles.profit_decile
