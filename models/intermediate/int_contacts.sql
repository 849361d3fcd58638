{{ config(materialized='table') }}
-- One row per contact with an identified customer: outbound campaign contacts (treatment members
-- of the campaigns seed; the control group is not contacted), survey invitations (a response's
-- survey was sent on created_at; surveys without a customer id reach the customer through the
-- rated order) and inbound calls from identified callers.
with campaign_contacts as (
    select
        keys.customer_key,
        members.contacted_on as contact_date,
        campaigns.channel,
        'outbound' as direction,
        'campaign' as contact_type,
        members.campaign_id as reference_id
    from {{ ref('stg_campaign_members') }} as members
    inner join {{ ref('stg_campaigns') }} as campaigns on campaigns.campaign_id = members.campaign_id
    inner join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = members.source_system
        and keys.source_customer_id = cast(members.source_customer_id as varchar)
    where not members.is_control
        and members.contacted_on is not null
),

survey_customers as (
    select
        surveys.response_id,
        coalesce(keys.customer_key, orders.customer_key) as customer_key,
        cast(coalesce(surveys.created_at, surveys.answered_at) as date) as contact_date
    from {{ ref('stg_surveys') }} as surveys
    left join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = surveys.source_system
        and keys.source_customer_id = surveys.customer_id
    left join {{ ref('int_orders') }} as orders on orders.order_id = surveys.order_id
),

survey_invitations as (
    -- A response that rates two orders was one invitation.
    select
        customer_key,
        min(contact_date) as contact_date,
        'survey' as channel,
        'outbound' as direction,
        'survey_invitation' as contact_type,
        response_id as reference_id
    from survey_customers
    where customer_key is not null
    group by customer_key, response_id
),

calls as (
    select
        keys.customer_key,
        calls.call_date as contact_date,
        coalesce(calls.channel, 'phone') as channel,
        'inbound' as direction,
        'call' as contact_type,
        calls.call_id as reference_id
    from {{ ref('stg_calls') }} as calls
    inner join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = '{{ var('calls_customer_system', 'calls') }}'
        and keys.source_customer_id = calls.customer_id
),

audience_contacts as (
    -- Targets of recorded audience exports (crmlake audience export) by e-mail or SMS, on the
    -- first day of their window; ad audiences are impressions, not contacts. A key the customer
    -- master has since merged away is left out (no longer a customer of its own).
    select
        members.customer_key,
        members.window_start as contact_date,
        members.channel,
        'outbound' as direction,
        'audience' as contact_type,
        members.export_id as reference_id
    from {{ source('audience-exports', 'audience_members') }} as members
    where not members.is_control
        and members.channel in ('email', 'sms')
        and members.customer_key in (select customer_key from {{ ref('int_customer_keys') }})
)

select * from campaign_contacts
union all
select * from audience_contacts
union all
select * from survey_invitations
union all
select * from calls
