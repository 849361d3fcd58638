{{ config(materialized='view') }}
-- Clickstream events (collector events and product-view logs): one row per event, without lineage.
select
    event_id,
    session_id,
    customer_id,
    event_type,
    occurred_at,
    business_date as event_date,
    session_offset_ms,
    item_id,
    page_url,
    order_id,
    value,
    currency
from {{ source('web', 'web_events') }}
