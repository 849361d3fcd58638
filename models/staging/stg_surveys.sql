{{ config(materialized='view') }}
-- Satisfaction responses and reviews: one row per response and rated order, without lineage.
select
    response_id,
    source_system,
    channel,
    score,
    scale_min,
    scale_max,
    nps_score,
    comment_title,
    comment,
    order_id,
    call_id,
    store_id,
    agent,
    product_id,
    source_customer_id as customer_id,
    created_at,
    answered_at,
    business_date as response_date
from {{ source('surveys', 'survey_responses') }}
