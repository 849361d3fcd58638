{{ config(materialized='table') }}
-- Does satisfaction bring customers back? Per channel and score of the reviewed order: reviews,
-- customers, and how many of them bought again after the reviewed order (before the as-of date).
-- Reviews reach their customer through the rated order (int_orders) or the respondent's id.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

reviews as (
    select
        surveys.response_id,
        surveys.channel,
        surveys.score,
        surveys.order_id,
        orders.order_ts as reviewed_order_ts,
        orders.order_key as reviewed_order_key,
        coalesce(orders.customer_key, keys.customer_key) as customer_key
    from {{ ref('stg_surveys') }} as surveys
    inner join {{ ref('int_orders') }} as orders on orders.order_id = surveys.order_id
    left join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = surveys.source_system
        and keys.source_customer_id = surveys.customer_id
    where surveys.score is not null
),

next_orders as (
    select
        reviews.response_id,
        reviews.order_id,
        min(later.order_ts) as next_order_ts
    from reviews
    inner join {{ ref('int_orders') }} as later
        on later.customer_key = reviews.customer_key
        and later.is_purchase
        and later.order_key <> reviews.reviewed_order_key
        and later.order_ts > reviews.reviewed_order_ts
    cross join as_of
    where later.order_date < as_of.as_of_date
    group by reviews.response_id, reviews.order_id
)

select
    reviews.channel,
    reviews.score,
    cast(count(*) as integer) as reviews,
    cast(count(distinct reviews.customer_key) as integer) as customers,
    cast(count(next_orders.next_order_ts) as integer) as reviews_followed_by_purchase,
    cast(count(distinct case when next_orders.next_order_ts is not null then reviews.customer_key end) as integer) as repeat_customers,
    cast(count(next_orders.next_order_ts) as double) / count(*) as repeat_rate,
    avg(date_diff('day', cast(reviews.reviewed_order_ts as date), cast(next_orders.next_order_ts as date))) as avg_days_to_next_purchase
from reviews
left join next_orders
    on next_orders.response_id = reviews.response_id
    and next_orders.order_id = reviews.order_id
where reviews.customer_key is not null
group by reviews.channel, reviews.score
order by reviews.channel, reviews.score
