{{ config(materialized='table') }}
-- Retention of first-purchase-month cohorts: per cohort and month since the first purchase, how
-- many of the cohort's customers bought again and what they spent. Every month from the cohort's
-- first to the month before the as-of date has a row, so a month nobody bought in shows 0.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

purchases as (
    select
        orders.customer_key,
        cast(date_trunc('month', orders.order_date) as date) as order_month,
        orders.net_revenue
    from {{ ref('int_orders') }} as orders
    cross join as_of
    where orders.customer_key is not null
        and orders.is_purchase
        and orders.order_date < as_of.as_of_date
),

cohorts as (
    select customer_key, min(order_month) as cohort_month
    from purchases
    group by customer_key
),

cohort_sizes as (
    select cohort_month, count(*) as cohort_customers
    from cohorts
    group by cohort_month
),

activity as (
    select
        cohorts.cohort_month,
        date_diff('month', cohorts.cohort_month, purchases.order_month) as month_offset,
        count(distinct purchases.customer_key) as active_customers,
        sum(purchases.net_revenue) as revenue
    from purchases
    inner join cohorts on cohorts.customer_key = purchases.customer_key
    group by cohorts.cohort_month, date_diff('month', cohorts.cohort_month, purchases.order_month)
),

last_month as (
    select cast(date_trunc('month', date_add('day', -1, as_of_date)) as date) as last_month
    from as_of
),

spine as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        numbers.n as month_offset
    from cohort_sizes
    cross join last_month
    inner join {{ ref('int_numbers') }} as numbers
        on numbers.n <= date_diff('month', cohort_sizes.cohort_month, last_month.last_month)
)

select
    spine.cohort_month,
    cast(spine.month_offset as integer) as month_offset,
    cast(date_add('month', spine.month_offset, spine.cohort_month) as date) as activity_month,
    cast(spine.cohort_customers as integer) as cohort_customers,
    cast(coalesce(activity.active_customers, 0) as integer) as active_customers,
    cast(coalesce(activity.active_customers, 0) as double) / spine.cohort_customers as retention_rate,
    cast(round(coalesce(activity.revenue, 0), 2) as double) as revenue,
    cast(round(coalesce(activity.revenue, 0) / spine.cohort_customers, 2) as double) as revenue_per_cohort_customer
from spine
left join activity
    on activity.cohort_month = spine.cohort_month
    and activity.month_offset = spine.month_offset
order by spine.cohort_month, spine.month_offset
