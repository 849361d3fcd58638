{{ config(materialized='table') }}
-- Contacts per customer, month, channel and direction (int_contacts: campaign contacts and survey
-- invitations going out, identified calls coming in), with the customer's outbound contacts that
-- month across channels and whether they exceed the fatigue threshold (var
-- fatigue_contacts_per_month, default 3: more than three marketing contacts in a month).
with contacts as (
    select
        customer_key,
        cast(date_trunc('month', contact_date) as date) as month,
        channel,
        direction
    from {{ ref('int_contacts') }}
    where contact_date is not null
),

counted as (
    select
        customer_key,
        month,
        channel,
        direction,
        count(*) as contacts
    from contacts
    group by customer_key, month, channel, direction
),

monthly as (
    select
        counted.*,
        sum(case when direction = 'outbound' then contacts else 0 end) over (partition by customer_key, month) as outbound_contacts_in_month,
        sum(contacts) over (partition by customer_key, month) as contacts_in_month
    from counted
)

select
    customer_key,
    month,
    channel,
    direction,
    cast(contacts as integer) as contacts,
    cast(outbound_contacts_in_month as integer) as outbound_contacts_in_month,
    cast(contacts_in_month as integer) as contacts_in_month,
    outbound_contacts_in_month > {{ var('fatigue_contacts_per_month', '3') }} as over_fatigue_threshold
from monthly
order by customer_key, month, channel, direction
