-- Every customer in a month's segment snapshot arrives in the migration matrix exactly once that
-- month (to a segment), and every customer of the previous month's snapshot leaves from their
-- segment exactly once (to a segment or Lapsed): returns the month ends where the counts differ.
with snapshots as (
    select month_end, count(*) as customers
    from {{ ref('customer_segment_monthly') }}
    group by month_end
),

arrivals as (
    select month_end, sum(customers) as customers
    from {{ ref('segment_migration') }}
    where to_segment <> 'Lapsed'
    group by month_end
),

departures as (
    select
        cast(date_add('day', -1, date_trunc('month', month_end)) as date) as previous_month_end,
        sum(customers) as customers
    from {{ ref('segment_migration') }}
    where from_segment <> 'None'
    group by cast(date_add('day', -1, date_trunc('month', month_end)) as date)
)

select 'arrivals' as check_name, snapshots.month_end, snapshots.customers as snapshot_customers, arrivals.customers as matrix_customers
from snapshots
left join arrivals on arrivals.month_end = snapshots.month_end
where arrivals.customers is null or arrivals.customers <> snapshots.customers

union all

select 'departures' as check_name, departures.previous_month_end, snapshots.customers, departures.customers
from departures
left join snapshots on snapshots.month_end = departures.previous_month_end
where snapshots.customers is null or snapshots.customers <> departures.customers
