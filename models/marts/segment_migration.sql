{{ config(materialized='table') }}
-- The month-to-month migration matrix of RFM segments: per month end, how many customers moved
-- from each segment (at the previous month end) to each segment (at this one), with their value.
-- 'None': not in the window at the previous month end (new, or back after the window);
-- 'Lapsed': in the window at the previous month end, out of it now.
with snapshots as (
    select
        month_end,
        customer_key,
        rfm_segment,
        monetary,
        month_revenue
    from {{ ref('customer_segment_monthly') }}
),

last_month_end as (
    select cast(last_day_of_month(date_add('day', -1, as_of_date)) as date) as last_month_end
    from {{ ref('int_as_of') }}
),

arrivals as (
    -- every customer in a month's snapshot, with the segment they came from
    select
        current_month.month_end,
        coalesce(previous_month.rfm_segment, 'None') as from_segment,
        current_month.rfm_segment as to_segment,
        current_month.customer_key,
        current_month.monetary,
        current_month.month_revenue
    from snapshots as current_month
    left join snapshots as previous_month
        on previous_month.customer_key = current_month.customer_key
        and previous_month.month_end = cast(date_add('day', -1, date_trunc('month', current_month.month_end)) as date)
),

departures as (
    -- customers in a month's snapshot who are out of the window at the next month end
    select
        cast(last_day_of_month(date_add('day', 1, previous_month.month_end)) as date) as month_end,
        previous_month.rfm_segment as from_segment,
        'Lapsed' as to_segment,
        previous_month.customer_key,
        cast(0 as double) as monetary,
        cast(0 as double) as month_revenue
    from snapshots as previous_month
    cross join last_month_end
    left join snapshots as current_month
        on current_month.customer_key = previous_month.customer_key
        and current_month.month_end = cast(last_day_of_month(date_add('day', 1, previous_month.month_end)) as date)
    where current_month.customer_key is null
        and previous_month.month_end < last_month_end.last_month_end
),

moves as (
    select * from arrivals
    union all
    select * from departures
)

select
    month_end,
    from_segment,
    to_segment,
    from_segment <> to_segment as migrated,
    cast(count(*) as integer) as customers,
    cast(round(sum(monetary), 2) as double) as monetary,
    cast(round(sum(month_revenue), 2) as double) as month_revenue
from moves
group by month_end, from_segment, to_segment
order by month_end, from_segment, to_segment
