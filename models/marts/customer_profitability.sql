{{ config(materialized='table') }}
-- Profit per customer before the as-of date: gross margin on net revenue (var gross_margin_rate:
-- the feeds carry no product cost) minus the cost to serve (calls × cost_per_call, orders with
-- returns × cost_per_return, discounts given), ranked into deciles with the cumulative profit
-- curve (the 20/80 view). Definitions: _customer_marts.yml.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

orders as (
    select
        orders.customer_key,
        -- one int_orders row per order_key (its unique key, tested): count, not count(distinct)
        count(case when orders.is_purchase then orders.order_key end) as orders,
        sum(orders.net_revenue) as net_revenue,
        count(case when orders.returns_value > 0 then orders.order_key end) as return_orders,
        sum(orders.returns_value) as returns_value,
        sum(orders.discounts) as discounts
    from {{ ref('int_orders') }} as orders
    cross join as_of
    where orders.customer_key is not null
        and orders.order_date < as_of.as_of_date
    group by orders.customer_key
),

calls as (
    select
        keys.customer_key,
        count(*) as calls
    from {{ ref('stg_calls') }} as calls
    inner join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = '{{ var('calls_customer_system', 'calls') }}'
        and keys.source_customer_id = calls.customer_id
    cross join as_of
    where calls.call_date < as_of.as_of_date
    group by keys.customer_key
),

customers as (
    select
        coalesce(orders.customer_key, calls.customer_key) as customer_key,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.net_revenue, 0) as net_revenue,
        coalesce(orders.net_revenue, 0) * {{ var('gross_margin_rate', '0.4') }} as gross_margin,
        coalesce(calls.calls, 0) as calls,
        coalesce(calls.calls, 0) * {{ var('cost_per_call', '4.0') }} as call_cost,
        coalesce(orders.return_orders, 0) as return_orders,
        coalesce(orders.return_orders, 0) * {{ var('cost_per_return', '3.0') }} as return_cost,
        coalesce(orders.returns_value, 0) as returns_value,
        coalesce(orders.discounts, 0) as discounts
    from orders
    full outer join calls on calls.customer_key = orders.customer_key
),

profits as (
    select
        customers.*,
        call_cost + return_cost + discounts as cost_to_serve,
        gross_margin - (call_cost + return_cost + discounts) as profit
    from customers
),

ranked as (
    select
        profits.*,
        row_number() over (order by profit desc, customer_key) as profit_rank,
        ntile(10) over (order by profit desc, customer_key) as profit_decile,
        count(*) over () as customer_count,
        sum(profit) over (order by profit desc, customer_key rows between unbounded preceding and current row) as cumulative_profit,
        sum(profit) over () as total_profit
    from profits
)

select
    customer_key,
    cast(orders as integer) as orders,
    cast(round(net_revenue, 2) as double) as net_revenue,
    cast(round(gross_margin, 2) as double) as gross_margin,
    cast(calls as integer) as calls,
    cast(round(call_cost, 2) as double) as call_cost,
    cast(return_orders as integer) as return_orders,
    cast(round(return_cost, 2) as double) as return_cost,
    cast(round(returns_value, 2) as double) as returns_value,
    cast(round(discounts, 2) as double) as discounts,
    cast(round(cost_to_serve, 2) as double) as cost_to_serve,
    cast(round(profit, 2) as double) as profit,
    cast(profit_rank as integer) as profit_rank,
    cast(profit_decile as integer) as profit_decile,
    cast(profit_rank as double) / customer_count as cumulative_customer_share,
    cast(round(cumulative_profit, 2) as double) as cumulative_profit,
    case when total_profit > 0 then cumulative_profit / total_profit end as cumulative_profit_share
from ranked
order by profit_rank
