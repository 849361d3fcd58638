{{ config(materialized='table') }}
-- Each customer's RFM segment at every month end (as of the day after it), over a trailing window:
-- customers with a purchase in the segment_window_days before the month end are scored among each
-- other (quintiles of the percent rank, as customer_rfm scores) and named by the same R x F grid.
-- Definitions: _customer_marts.yml.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

orders as (
    select orders.*
    from {{ ref('int_orders') }} as orders
    cross join as_of
    where orders.customer_key is not null
        and orders.order_date < as_of.as_of_date
),

bounds as (
    select
        cast(date_trunc('month', min(orders.order_date)) as date) as first_month,
        cast(date_trunc('month', date_add('day', -1, max(as_of.as_of_date))) as date) as last_month
    from orders
    cross join as_of
    where orders.is_purchase
),

month_ends as (
    select
        cast(date_add('day', -1, date_add('month', numbers.n + 1, bounds.first_month)) as date) as month_end
    from bounds
    inner join {{ ref('int_numbers') }} as numbers
        on numbers.n <= date_diff('month', bounds.first_month, bounds.last_month)
),

windowed as (
    select
        month_ends.month_end,
        orders.customer_key,
        max(case when orders.is_purchase then orders.order_date end) as last_purchase_date,
        count(distinct case when orders.is_purchase then orders.order_key end) as frequency,
        sum(orders.net_revenue) as monetary,
        sum(case when orders.order_date > date_add('day', -1, cast(date_trunc('month', month_ends.month_end) as date)) then orders.net_revenue else 0 end) as month_revenue
    from month_ends
    inner join orders
        on orders.order_date <= month_ends.month_end
        and orders.order_date > date_add('day', -{{ var('segment_window_days', '730') }}, month_ends.month_end)
    group by month_ends.month_end, orders.customer_key
),

measured as (
    -- recency as of the day after the month end, or the as-of date in the last (partial) month
    select
        windowed.*,
        date_diff('day', last_purchase_date, least(date_add('day', 1, month_end), as_of.as_of_date)) as recency_days
    from windowed
    cross join as_of
    where frequency > 0
),

scored as (
    select
        measured.*,
        least(5, 1 + cast(floor(5 * percent_rank() over (partition by month_end order by recency_days desc)) as integer)) as r_score,
        least(5, 1 + cast(floor(5 * percent_rank() over (partition by month_end order by frequency)) as integer)) as f_score,
        least(5, 1 + cast(floor(5 * percent_rank() over (partition by month_end order by monetary)) as integer)) as m_score
    from measured
)

select
    month_end,
    customer_key,
    last_purchase_date,
    cast(recency_days as integer) as recency_days,
    cast(frequency as integer) as frequency,
    cast(round(monetary, 2) as double) as monetary,
    cast(round(month_revenue, 2) as double) as month_revenue,
    r_score,
    f_score,
    m_score,
    case
        when r_score = 5 and f_score >= 4 then 'Champions'
        when r_score >= 3 and f_score >= 4 then 'Loyal'
        when r_score <= 2 and f_score = 5 then 'Cannot Lose Them'
        when r_score <= 2 and f_score >= 3 then 'At Risk'
        when r_score <= 2 then 'Hibernating'
        when r_score = 5 and f_score = 1 then 'New Customers'
        when r_score = 4 and f_score = 1 then 'Promising'
        when r_score >= 4 then 'Potential Loyalists'
        when r_score = 3 and f_score = 3 then 'Need Attention'
        else 'About To Sleep'
    end as rfm_segment
from scored
order by month_end, customer_key
