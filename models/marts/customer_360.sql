{{ config(materialized='table') }}
-- One row per customer (customer_key from int_customer_keys): profile, channels used, purchases,
-- revenue and margin, service contacts, satisfaction, web activity, RFM segment, CLV, lifecycle
-- stage and profit, as of the as-of date. Definitions: _customer_marts.yml.
--
-- The feeds are cut at the as-of date by a scalar subquery, not by a cross join with the one-row
-- as_of: DuckDB estimated such a join at a few hundred rows and built its hash table on the side
-- that held 7.5M web events instead of on the customer keys (that join 3.2 s, now 0.4 s).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

keys as (
    select * from {{ ref('int_customer_keys') }}
),

identities as (
    select
        customer_key,
        array_join(array_sort(array_agg(distinct source_system)), ',') as source_systems,
        count(*) as source_ids
    from keys
    group by customer_key
),

profiles as (
    select
        keys.customer_key,
        max(profiles.city) as city,
        max(profiles.province) as province,
        max(profiles.postcode) as postcode,
        max(profiles.country) as country,
        min(profiles.registered_at) as registered_at
    from keys
    inner join {{ ref('stg_customers') }} as profiles
        on profiles.source_system = keys.source_system
        and profiles.source_customer_id = keys.source_customer_id
    group by keys.customer_key
),

pos_countries as (
    -- the POS feed knows the customer's country from the receipts
    select
        keys.customer_key,
        max(lines.country) as country
    from keys
    inner join {{ ref('stg_pos__lines') }} as lines
        on keys.source_system = 'pos'
        and lines.customer_id = keys.source_customer_id
    group by keys.customer_key
),

purchases as (
    select
        orders.customer_key,
        min(case when orders.is_purchase then orders.order_date end) as first_purchase_date,
        max(case when orders.is_purchase then orders.order_date end) as last_purchase_date,
        -- one int_orders row per order_key (its unique key, tested): count, not count(distinct)
        count(case when orders.is_purchase then orders.order_key end) as orders,
        -- any order counts as using the channel, returns and cancelled web orders too
        count(case when orders.source_feed = 'pos' then orders.order_key end) as pos_orders,
        count(case when orders.source_feed = 'web' then orders.order_key end) as web_orders,
        sum(orders.gross_sales) as gross_sales,
        sum(orders.returns_value) as returns_value,
        sum(orders.net_revenue) as net_revenue,
        sum(orders.discounts) as discounts
    from {{ ref('int_orders') }} as orders
    where orders.customer_key is not null
        and orders.order_date < (select as_of_date from as_of)
    group by orders.customer_key
),

calls as (
    select
        keys.customer_key,
        count(*) as calls,
        sum(
            case
                when coalesce(calls.complaint, false) or lower(coalesce(calls.topic, '')) like '%{{ var('complaint_topic_pattern', 'complain') }}%' then 1
                else 0
            end
        ) as complaints,
        count(calls.satisfaction_score) as call_ratings,
        avg(cast(calls.satisfaction_score as double)) as call_satisfaction_avg
    from {{ ref('stg_calls') }} as calls
    inner join keys
        on keys.source_system = '{{ var('calls_customer_system', 'calls') }}'
        and keys.source_customer_id = calls.customer_id
    where calls.call_date < (select as_of_date from as_of)
    group by keys.customer_key
),

survey_scores as (
    select distinct
        surveys.response_id,
        surveys.order_id,
        coalesce(keys.customer_key, orders.customer_key) as customer_key,
        surveys.score,
        surveys.scale_min,
        surveys.scale_max,
        surveys.response_date
    from {{ ref('stg_surveys') }} as surveys
    left join keys
        on keys.source_system = surveys.source_system
        and keys.source_customer_id = surveys.customer_id
    left join {{ ref('int_orders') }} as orders on orders.order_id = surveys.order_id
),

surveys as (
    select
        customer_key,
        count(score) as survey_responses,
        avg(cast(score as double)) as survey_score_avg,
        avg(case when scale_max > scale_min then 100 * cast(score - scale_min as double) / (scale_max - scale_min) end) as survey_satisfaction_index
    from survey_scores
    where customer_key is not null
        and response_date < (select as_of_date from as_of)
    group by customer_key
),

web as (
    select
        keys.customer_key,
        count(distinct events.session_id) as web_sessions,
        sum(case when events.event_type = 'product_view' then 1 else 0 end) as product_views,
        max(events.event_date) as last_web_visit_date
    from {{ ref('stg_web__events') }} as events
    inner join keys
        on keys.source_system = '{{ var('web_events_customer_system', 'web') }}'
        and keys.source_customer_id = events.customer_id
    where events.event_date < (select as_of_date from as_of)
    group by keys.customer_key
),

rfm as (
    -- the segment at the latest snapshot of customer_segment_monthly: scored across channels over
    -- the trailing segment window, as of the as-of date (the last month end is measured to it)
    select
        monthly.customer_key,
        monthly.rfm_segment
    from {{ ref('customer_segment_monthly') }} as monthly
    inner join (
        select max(month_end) as month_end from {{ ref('customer_segment_monthly') }}
    ) as latest on latest.month_end = monthly.month_end
),

clv as (
    -- customer_clv models the POS customers' purchases, keyed by the golden customer_key
    select
        customer_key,
        p_alive,
        clv_{{ var('clv_horizon_months', '12') }}m as clv,
        clv_segment
    from {{ ref('customer_clv') }}
)

select
    identities.customer_key,
    identities.source_systems,
    cast(identities.source_ids as integer) as source_ids,
    profiles.city,
    profiles.province,
    profiles.postcode,
    coalesce(profiles.country, pos_countries.country) as country,
    profiles.registered_at,
    array_join(
        filter(
            array[
                case when coalesce(purchases.pos_orders, 0) > 0 then 'pos' end,
                case when coalesce(purchases.web_orders, 0) > 0 or coalesce(web.web_sessions, 0) > 0 then 'web' end,
                case when coalesce(calls.calls, 0) > 0 then 'phone' end,
                case when coalesce(surveys.survey_responses, 0) > 0 then 'survey' end
            ],
            x -> x is not null
        ),
        ','
    ) as channels_used,
    purchases.first_purchase_date,
    purchases.last_purchase_date,
    cast(coalesce(purchases.orders, 0) as integer) as orders,
    cast(round(coalesce(purchases.gross_sales, 0), 2) as double) as gross_sales,
    cast(round(coalesce(purchases.returns_value, 0), 2) as double) as returns_value,
    cast(round(coalesce(purchases.net_revenue, 0), 2) as double) as net_revenue,
    cast(round(coalesce(purchases.net_revenue, 0) * {{ var('gross_margin_rate', '0.4') }}, 2) as double) as gross_margin,
    cast(round(coalesce(purchases.discounts, 0), 2) as double) as discounts,
    -- Rounded to 8 decimals first: an average that is a tie (317.13 / 2 = 158.565) must not round
    -- up or down with the last bits of a sum that threads add in any order.
    case when purchases.orders > 0 then cast(round(round(purchases.gross_sales / purchases.orders, 8), 2) as double) end as avg_order_value,
    cast(coalesce(calls.calls, 0) as integer) as calls,
    cast(coalesce(calls.complaints, 0) as integer) as complaints,
    calls.call_satisfaction_avg,
    cast(coalesce(surveys.survey_responses, 0) as integer) as survey_responses,
    surveys.survey_score_avg,
    surveys.survey_satisfaction_index,
    cast(coalesce(web.web_sessions, 0) as integer) as web_sessions,
    cast(coalesce(web.product_views, 0) as integer) as product_views,
    web.last_web_visit_date,
    rfm.rfm_segment,
    clv.clv_segment,
    clv.clv as clv_expected,
    clv.p_alive,
    coalesce(lifecycle.lifecycle_stage, 'Prospect') as lifecycle_stage,
    profitability.profit,
    profitability.profit_decile,
    as_of.as_of_date
from identities
cross join as_of
left join profiles on profiles.customer_key = identities.customer_key
left join pos_countries on pos_countries.customer_key = identities.customer_key
left join purchases on purchases.customer_key = identities.customer_key
left join calls on calls.customer_key = identities.customer_key
left join surveys on surveys.customer_key = identities.customer_key
left join web on web.customer_key = identities.customer_key
left join rfm on rfm.customer_key = identities.customer_key
left join clv on clv.customer_key = identities.customer_key
left join {{ ref('customer_lifecycle') }} as lifecycle on lifecycle.customer_key = identities.customer_key
left join {{ ref('customer_profitability') }} as profitability on profitability.customer_key = identities.customer_key
order by identities.customer_key
