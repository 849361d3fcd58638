{{ config(materialized='view') }}
-- The customer master's input: one row per (source_system, source_customer_id) seen in any feed,
-- with the profile fields when the customers feed has a profile for it. Ids seen only in
-- transactions (a POS loyalty id, a web-shop order's customer) are records too, so every id
-- gets a customer_key. Which source_system an id belongs to where its feed does not say:
-- web orders var web_orders_customer_system (default 'olist'), web events var
-- web_events_customer_system (default 'web'), calls var calls_customer_system (default 'calls').
with pos as (
    select distinct 'pos' as source_system, customer_id as source_customer_id
    from {{ ref('stg_pos__lines') }}
    where customer_id is not null
),

profiled as (
    select source_system, source_customer_id
    from {{ ref('stg_customers') }}
    where source_customer_id is not null
),

web_orders as (
    select distinct '{{ var('web_orders_customer_system', 'olist') }}' as source_system, customer_id as source_customer_id
    from {{ ref('stg_web__orders') }}
    where customer_id is not null
),

web_events as (
    select distinct '{{ var('web_events_customer_system', 'web') }}' as source_system, customer_id as source_customer_id
    from {{ ref('stg_web__events') }}
    where customer_id is not null
),

calls as (
    select distinct '{{ var('calls_customer_system', 'calls') }}' as source_system, customer_id as source_customer_id
    from {{ ref('stg_calls') }}
    where customer_id is not null
),

surveys as (
    select distinct source_system, customer_id as source_customer_id
    from {{ ref('stg_surveys') }}
    where customer_id is not null
),

seen as (
    select * from pos
    union select * from profiled
    union select * from web_orders
    union select * from web_events
    union select * from calls
    union select * from surveys
)

select
    seen.source_system,
    seen.source_customer_id,
    profiles.source_person_id,
    profiles.full_name,
    profiles.family_name,
    profiles.given_name,
    profiles.gender,
    profiles.birth_date,
    profiles.phone,
    profiles.mobile,
    profiles.email,
    profiles.address_line,
    profiles.district,
    profiles.city,
    profiles.province,
    profiles.postcode,
    profiles.country,
    cast(profiles.registered_at as varchar) as registered_at,
    cast(profiles.updated_at as varchar) as updated_at,
    -- The source's settings from its mapping (default country for national phone numbers,
    -- day order of dates, survivorship priority); NULL where it does not say.
    profiles.default_country,
    profiles.day_first,
    profiles.source_priority
from seen
left join {{ ref('stg_customers') }} as profiles
    on profiles.source_system = seen.source_system
    and profiles.source_customer_id = seen.source_customer_id
