{{ config(materialized='view') }}
-- Customer profiles: one row per source system and customer id, the latest record when several
-- deliveries carry the same customer (by updated_at, then business date, then ingest time).
with ranked as (
    select
        profiles.*,
        row_number() over (
            partition by source_system, source_customer_id
            order by updated_at desc nulls last, business_date desc, _ingested_at desc, _source_line desc
        ) as recency_rank
    from {{ source('customers', 'customer_profiles') }} as profiles
)

select
    source_system,
    source_customer_id,
    source_person_id,
    full_name,
    family_name,
    given_name,
    gender,
    birth_date,
    phone,
    mobile,
    email,
    address_line,
    district,
    city,
    province,
    postcode,
    country,
    registered_at,
    updated_at,
    default_country,
    day_first,
    source_priority,
    email_consent,
    email_consent_at,
    sms_consent,
    sms_consent_at,
    ads_consent,
    ads_consent_at,
    business_date as record_date
from ranked
where recency_rank = 1
