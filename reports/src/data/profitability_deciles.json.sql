-- mart: profitability_deciles, one row per profit decile (1 = the most profitable tenth)
select
    profit_decile,
    customers,
    round(net_revenue, 2) as net_revenue,
    round(gross_margin, 2) as gross_margin,
    round(cost_to_serve, 2) as cost_to_serve,
    round(profit, 2) as profit,
    profit_share,
    cumulative_customer_share,
    cumulative_profit_share
from profitability_deciles
order by profit_decile
