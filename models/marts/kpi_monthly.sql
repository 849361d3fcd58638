{{ config(materialized='table') }}
-- The executive KPIs per calendar month, every month from the first to the last with any sales,
-- call or survey activity: revenue, orders, active / new / returning / retained / lost customers,
-- repeat rate, average order value, CSAT, review score, service level and complaints.
-- Definitions: _kpi_marts.yml.
with orders as (
    select
        cast(date_trunc('month', order_date) as date) as month,
        source_feed,
        customer_key,
        order_key,
        is_purchase,
        gross_sales,
        net_revenue
    from {{ ref('int_orders') }}
),

first_purchases as (
    select customer_key, min(month) as first_month
    from orders
    where customer_key is not null
        and is_purchase
    group by customer_key
),

customer_months as (
    select distinct customer_key, month
    from orders
    where customer_key is not null
        and is_purchase
),

calls as (
    select
        cast(date_trunc('month', call_date) as date) as month,
        count(*) as calls_offered,
        sum(case when answered then 1 else 0 end) as calls_answered,
        sum(case when answered and speed_of_answer_seconds <= {{ var('service_level_seconds', '20') }} then 1 else 0 end) as answered_within_target,
        sum(
            case
                when coalesce(complaint, false) or lower(coalesce(topic, '')) like '%{{ var('complaint_topic_pattern', 'complain') }}%' then 1
                else 0
            end
        ) as complaints,
        count(satisfaction_score) as csat_responses,
        avg(cast(satisfaction_score as double)) as csat_avg
    from {{ ref('stg_calls') }}
    group by cast(date_trunc('month', call_date) as date)
),

reviews as (
    select
        cast(date_trunc('month', response_date) as date) as month,
        count(score) as review_responses,
        avg(cast(score as double)) as review_score_avg
    from {{ ref('stg_surveys') }}
    group by cast(date_trunc('month', response_date) as date)
),

activity_months as (
    select month from orders
    union all
    select month from calls
    union all
    select month from reviews
),

bounds as (
    select min(month) as first_month, max(month) as last_month from activity_months
),

months as (
    select cast(date_add('month', numbers.n, bounds.first_month) as date) as month
    from bounds
    inner join {{ ref('int_numbers') }} as numbers
        on numbers.n <= date_diff('month', bounds.first_month, bounds.last_month)
),

-- A month is covered by a feed when it lies between the feed's first and last month with data:
-- inside, a month without orders is a true zero; outside, the KPIs are NULL ("no data"), so a
-- month that only the call feed covers never reads as "revenue 0".
feed_spans as (
    select source_feed as feed, min(month) as first_month, max(month) as last_month from orders group by source_feed
    union all
    select 'calls', min(month), max(month) from calls
    union all
    select 'reviews', min(month), max(month) from reviews
),

coverage as (
    select
        months.month,
        max(case when feed_spans.feed = 'pos' then 1 else 0 end) = 1 as pos_covered,
        max(case when feed_spans.feed = 'web' then 1 else 0 end) = 1 as web_covered,
        max(case when feed_spans.feed in ('pos', 'web') then 1 else 0 end) = 1 as sales_covered,
        max(case when feed_spans.feed = 'calls' then 1 else 0 end) = 1 as calls_covered,
        max(case when feed_spans.feed = 'reviews' then 1 else 0 end) = 1 as reviews_covered
    from months
    left join feed_spans on months.month between feed_spans.first_month and feed_spans.last_month
    group by months.month
),

sales as (
    select
        month,
        sum(net_revenue) as revenue,
        sum(case when source_feed = 'pos' then net_revenue else 0 end) as pos_revenue,
        sum(case when source_feed = 'web' then net_revenue else 0 end) as web_revenue,
        sum(case when is_purchase then gross_sales else 0 end) as gross_sales,
        -- one int_orders row per order_key (its unique key, tested): count, not count(distinct)
        count(case when is_purchase then order_key end) as orders,
        count(case when is_purchase and customer_key is not null then order_key end) as identified_orders
    from orders
    group by month
),

customers as (
    select
        months.month,
        count(distinct current_month.customer_key) as active_customers,
        count(distinct case when first_purchases.first_month = months.month then current_month.customer_key end) as new_customers,
        count(distinct case when first_purchases.first_month < months.month then current_month.customer_key end) as returning_customers,
        count(distinct case when previous_month.customer_key is not null then current_month.customer_key end) as retained_customers
    from months
    inner join customer_months as current_month on current_month.month = months.month
    inner join first_purchases on first_purchases.customer_key = current_month.customer_key
    left join customer_months as previous_month
        on previous_month.customer_key = current_month.customer_key
        and previous_month.month = cast(date_add('month', -1, months.month) as date)
    group by months.month
),

lost as (
    select
        months.month,
        count(distinct previous_month.customer_key) as lost_customers
    from months
    inner join customer_months as previous_month
        on previous_month.month = cast(date_add('month', -1, months.month) as date)
    left join customer_months as current_month
        on current_month.customer_key = previous_month.customer_key
        and current_month.month = months.month
    where current_month.customer_key is null
    group by months.month
)

select
    months.month,
    coverage.sales_covered as has_sales_data,
    coverage.calls_covered as has_call_data,
    coverage.reviews_covered as has_review_data,
    case when coverage.sales_covered then cast(round(coalesce(sales.revenue, 0), 2) as double) end as revenue,
    case when coverage.pos_covered then cast(round(coalesce(sales.pos_revenue, 0), 2) as double) end as pos_revenue,
    case when coverage.web_covered then cast(round(coalesce(sales.web_revenue, 0), 2) as double) end as web_revenue,
    case when coverage.sales_covered then cast(coalesce(sales.orders, 0) as integer) end as orders,
    case when coverage.sales_covered then cast(coalesce(sales.identified_orders, 0) as integer) end as identified_orders,
    case when coverage.sales_covered then cast(coalesce(customers.active_customers, 0) as integer) end as active_customers,
    case when coverage.sales_covered then cast(coalesce(customers.new_customers, 0) as integer) end as new_customers,
    case when coverage.sales_covered then cast(coalesce(customers.returning_customers, 0) as integer) end as returning_customers,
    case when coverage.sales_covered then cast(coalesce(customers.retained_customers, 0) as integer) end as retained_customers,
    case when coverage.sales_covered then cast(coalesce(lost.lost_customers, 0) as integer) end as lost_customers,
    case when customers.active_customers > 0 then cast(customers.returning_customers as double) / customers.active_customers end as repeat_customer_rate,
    case when sales.orders > 0 then cast(round(sales.gross_sales / sales.orders, 2) as double) end as avg_order_value,
    case when coverage.calls_covered then cast(coalesce(calls.calls_offered, 0) as integer) end as calls_offered,
    case when coverage.calls_covered then cast(coalesce(calls.calls_answered, 0) as integer) end as calls_answered,
    case when calls.calls_offered > 0 then cast(calls.answered_within_target as double) / calls.calls_offered end as service_level,
    case when coverage.calls_covered then cast(coalesce(calls.complaints, 0) as integer) end as complaints,
    case when coverage.calls_covered then cast(coalesce(calls.csat_responses, 0) as integer) end as csat_responses,
    calls.csat_avg,
    case when coverage.reviews_covered then cast(coalesce(reviews.review_responses, 0) as integer) end as review_responses,
    reviews.review_score_avg
from months
inner join coverage on coverage.month = months.month
left join sales on sales.month = months.month
left join customers on customers.month = months.month
left join lost on lost.month = months.month
left join calls on calls.month = months.month
left join reviews on reviews.month = months.month
order by months.month
