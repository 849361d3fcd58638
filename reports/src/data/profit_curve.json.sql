-- mart: customer_profitability, the cumulative profit curve (customers ranked by profit) sampled at
-- about 200 points: every k-th customer, plus the first and the last.
with ranked as (
    select *, count(*) over () as customers_total
    from customer_profitability
)
select
    profit_rank,
    round(cumulative_customer_share, 4) as cumulative_customer_share,
    round(cumulative_profit_share, 4) as cumulative_profit_share,
    round(cumulative_profit) as cumulative_profit
from ranked
where profit_rank = 1
   or profit_rank = customers_total
   or profit_rank % cast(ceil(customers_total / 200.0) as integer) = 0
order by profit_rank
