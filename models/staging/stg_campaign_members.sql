{{ config(materialized='view') }}
-- Campaign audiences: the campaign-members feed when it holds any row, else the campaign_members
-- seed (see stg_campaigns). One row per campaign and customer; the latest delivery wins.
with delivered as (
    select
        campaign_id, source_system, source_customer_id, is_control, contacted_on,
        row_number() over (
            partition by campaign_id, source_system, source_customer_id
            order by _ingested_at desc, _source_line desc
        ) as recency_rank
    from {{ source('campaign-members', 'marketing_campaign_members') }}
),

seeded as (
    select
        campaign_id,
        source_system,
        cast(source_customer_id as varchar) as source_customer_id,
        is_control,
        contacted_on
    from {{ ref('campaign_members') }}
)

select campaign_id, source_system, source_customer_id, is_control, contacted_on
from delivered
where recency_rank = 1

union all

select * from seeded
where not exists (select 1 from delivered)
