{{ config(materialized='view') }}
-- POS line items as every model downstream reads them: one row per receipt line.
select
    order_id,
    line_number,
    order_ts,
    business_date,
    store_id,
    channel,
    customer_id,
    sku,
    description,
    quantity,
    unit_price,
    line_amount,
    currency,
    country,
    line_type,
    is_cancellation,
    is_product
from {{ source('pos', 'pos_lines') }}
