{{ config(materialized='view') }}
-- Web-shop payments: one row per payment of an order (an order can be paid in parts), without lineage.
select
    order_id,
    payment_sequence,
    payment_type,
    installments,
    payment_value,
    currency,
    business_date
from {{ source('web-payments', 'web_payments') }}
