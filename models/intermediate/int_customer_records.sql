{{ config(materialized='table') }}
-- The identity seam: one row per (source_system, source_customer_id) seen in any feed, with the
-- customer_key every customer mart joins on. A stand-in until the customer master's golden
-- cross-reference replaces this model with the same columns. The key is deterministic text:
-- source_system || ':' || (the source's person id when it has one, else the customer id), so
-- Olist's per-order customer ids of one person (customer_unique_id) share a key.
with pos as (
    select distinct
        'pos' as source_system,
        customer_id as source_customer_id,
        cast(null as varchar) as person_id
    from {{ ref('stg_pos__lines') }}
    where customer_id is not null
),

profiles as (
    select
        source_system,
        source_customer_id,
        source_person_id as person_id
    from {{ ref('stg_customers') }}
    where source_customer_id is not null
),

web_orders as (
    select distinct
        '{{ var('web_orders_customer_system', 'olist') }}' as source_system,
        customer_id as source_customer_id,
        cast(null as varchar) as person_id
    from {{ ref('stg_web__orders') }}
    where customer_id is not null
),

web_events as (
    select distinct
        '{{ var('web_events_customer_system', 'web') }}' as source_system,
        customer_id as source_customer_id,
        cast(null as varchar) as person_id
    from {{ ref('stg_web__events') }}
    where customer_id is not null
),

calls as (
    select distinct
        '{{ var('calls_customer_system', 'calls') }}' as source_system,
        customer_id as source_customer_id,
        cast(null as varchar) as person_id
    from {{ ref('stg_calls') }}
    where customer_id is not null
),

surveys as (
    select distinct
        source_system,
        customer_id as source_customer_id,
        cast(null as varchar) as person_id
    from {{ ref('stg_surveys') }}
    where customer_id is not null
),

seen as (
    select * from pos
    union all select * from profiles
    union all select * from web_orders
    union all select * from web_events
    union all select * from calls
    union all select * from surveys
),

ids as (
    select
        source_system,
        source_customer_id,
        max(person_id) as person_id
    from seen
    group by source_system, source_customer_id
)

select
    source_system || ':' || coalesce(person_id, source_customer_id) as customer_key,
    source_system,
    source_customer_id
from ids
