{{ config(materialized='view') }}
-- Campaigns: the campaigns feed when it holds any row, else the campaigns seed (the example a
-- project starts from). One source or the other, never both, so the example campaigns do not mix
-- with real ones. The latest delivery of a campaign wins.
with delivered as (
    select
        campaign_id, campaign_name, channel, offer_type, start_date, end_date,
        threshold_1, reward_1, threshold_2, reward_2, threshold_3, reward_3, percent_off,
        cost_per_contact, fixed_cost, currency, description,
        row_number() over (partition by campaign_id order by _ingested_at desc, _source_line desc) as recency_rank
    from {{ source('campaigns', 'marketing_campaigns') }}
),

seeded as (
    select
        campaign_id, campaign_name, channel, offer_type, start_date, end_date,
        threshold_1, reward_1, threshold_2, reward_2, threshold_3, reward_3, percent_off,
        cost_per_contact, fixed_cost, currency, description
    from {{ ref('campaigns') }}
)

select
    campaign_id, campaign_name, channel, offer_type, start_date, end_date,
    threshold_1, reward_1, threshold_2, reward_2, threshold_3, reward_3, percent_off,
    cost_per_contact, fixed_cost, currency, description
from delivered
where recency_rank = 1

union all

select * from seeded
where not exists (select 1 from delivered)
