-- The cumulative profit curve of customer_profitability runs down the profit ranking: profit never
-- rises down the ranking, each row's cumulative profit is the one before plus its own profit, and
-- the last row holds the total (amounts are rounded to cents, so each row may differ by a cent).
-- Returns the rows that break it.
with ranked as (
    select
        profit_rank,
        profit,
        cumulative_profit,
        lag(profit) over (order by profit_rank) as previous_profit,
        lag(cumulative_profit) over (order by profit_rank) as previous_cumulative,
        sum(profit) over () as total_profit,
        max(profit_rank) over () as last_rank
    from {{ ref('customer_profitability') }}
)

select *
from ranked
where abs(cumulative_profit - (coalesce(previous_cumulative, 0) + profit)) > 0.02
    or (profit_rank = last_rank and abs(cumulative_profit - total_profit) > 0.01 + 0.005 * last_rank)
    or profit > previous_profit
