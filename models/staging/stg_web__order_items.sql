{{ config(materialized='view') }}
-- Web-shop order items: one row per item (one unit in Olist), without lineage.
select
    order_id,
    item_number,
    product_id,
    seller_id,
    shipping_limit_at,
    price,
    freight_value,
    currency,
    business_date
from {{ source('web-order-items', 'web_order_items') }}
