{{ config(materialized='incremental', unique_key='date', source_dates='date') }}
-- The web funnel per day: sessions, and how many of them viewed a product, added to cart, checked
-- out and purchased, with event counts and the conversion of each step from the one before.
-- Incremental: a day's sessions are counted within that business date, so a build recomputes the
-- dates whose deliveries changed, and their stored rows go (source_dates).
-- A session's day is the day of its events (a session across midnight counts on both days).
with events as (
    select
        event_date,
        session_id,
        customer_id,
        event_type,
        value
    from {{ ref('stg_web__events') }}
    where {{ changed_rows('event_date') }}
),

sessions as (
    select
        event_date,
        session_id,
        max(case when customer_id is not null then 1 else 0 end) as identified,
        max(case when event_type = 'product_view' then 1 else 0 end) as viewed,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as carted,
        max(case when event_type = 'checkout' then 1 else 0 end) as checked_out,
        max(case when event_type = 'purchase' then 1 else 0 end) as purchased,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_type = 'search' then 1 else 0 end) as searches,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'checkout' then 1 else 0 end) as checkouts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases,
        sum(case when event_type = 'purchase' then value else 0 end) as purchase_value
    from events
    group by event_date, session_id
),

daily as (
    select
        event_date,
        count(*) as sessions,
        sum(identified) as identified_sessions,
        sum(viewed) as product_view_sessions,
        sum(carted) as add_to_cart_sessions,
        sum(checked_out) as checkout_sessions,
        sum(purchased) as purchase_sessions,
        sum(page_views) as page_views,
        sum(product_views) as product_views,
        sum(searches) as searches,
        sum(add_to_carts) as add_to_carts,
        sum(checkouts) as checkouts,
        sum(purchases) as purchases,
        sum(purchase_value) as purchase_value
    from sessions
    group by event_date
)

select
    event_date as date,
    cast(sessions as integer) as sessions,
    cast(identified_sessions as integer) as identified_sessions,
    cast(product_view_sessions as integer) as product_view_sessions,
    cast(add_to_cart_sessions as integer) as add_to_cart_sessions,
    cast(checkout_sessions as integer) as checkout_sessions,
    cast(purchase_sessions as integer) as purchase_sessions,
    cast(page_views as integer) as page_views,
    cast(product_views as integer) as product_views,
    cast(searches as integer) as searches,
    cast(add_to_carts as integer) as add_to_carts,
    cast(checkouts as integer) as checkouts,
    cast(purchases as integer) as purchases,
    cast(purchase_value as double) as purchase_value,
    cast(product_view_sessions as double) / sessions as product_view_rate,
    case when product_view_sessions > 0 then cast(add_to_cart_sessions as double) / product_view_sessions end as add_to_cart_rate,
    case when add_to_cart_sessions > 0 then cast(checkout_sessions as double) / add_to_cart_sessions end as checkout_rate,
    case when checkout_sessions > 0 then cast(purchase_sessions as double) / checkout_sessions end as purchase_rate,
    cast(purchase_sessions as double) / sessions as session_conversion_rate
from daily
order by event_date
