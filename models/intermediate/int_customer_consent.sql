{{ config(materialized='table') }}
-- Marketing consent per customer (golden customer_key) and channel: the most recent statement any
-- of the customer's source records makes (by consent date, then the record's update time, then its
-- delivery date). A customer with no statement for a channel has consent NULL there: unknown,
-- which an audience export treats as not consented (docs/audiences.md).
with statements as (
    select source_system, source_customer_id, 'email' as channel, email_consent as consent, email_consent_at as consent_at, updated_at, record_date
    from {{ ref('stg_customers') }}
    where email_consent is not null
    union all
    select source_system, source_customer_id, 'sms' as channel, sms_consent as consent, sms_consent_at as consent_at, updated_at, record_date
    from {{ ref('stg_customers') }}
    where sms_consent is not null
    union all
    select source_system, source_customer_id, 'ads' as channel, ads_consent as consent, ads_consent_at as consent_at, updated_at, record_date
    from {{ ref('stg_customers') }}
    where ads_consent is not null
),

ranked as (
    select
        keys.customer_key,
        statements.channel,
        statements.consent,
        statements.consent_at,
        row_number() over (
            partition by keys.customer_key, statements.channel
            -- on a tie an opt-out wins: withdrawing consent must never be lost to a same-time opt-in
            order by statements.consent_at desc nulls last, statements.updated_at desc nulls last, statements.record_date desc, statements.consent asc
        ) as recency_rank
    from statements
    inner join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = statements.source_system
        and keys.source_customer_id = statements.source_customer_id
)

select
    customer_key,
    max(case when channel = 'email' then consent end) as email_consent,
    max(case when channel = 'email' then consent_at end) as email_consent_at,
    max(case when channel = 'sms' then consent end) as sms_consent,
    max(case when channel = 'sms' then consent_at end) as sms_consent_at,
    max(case when channel = 'ads' then consent end) as ads_consent,
    max(case when channel = 'ads' then consent_at end) as ads_consent_at
from ranked
where recency_rank = 1
group by customer_key
