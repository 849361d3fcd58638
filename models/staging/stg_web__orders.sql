{{ config(materialized='view') }}
-- Web-shop orders: one row per order, without lineage. customer_id is the shop's account id
-- (per order in Olist: the person is customer_profiles.source_person_id).
select
    order_id,
    source_customer_id as customer_id,
    status,
    purchased_at,
    approved_at,
    shipped_at,
    delivered_at,
    estimated_delivery_at,
    channel,
    business_date as order_date
from {{ source('web-orders', 'web_orders') }}
