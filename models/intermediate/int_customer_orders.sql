{{ config(materialized='view') }}
-- One row per identified customer and purchase order: the transaction log the lifetime-value
-- models read. Cancellations and returns are not orders; only product lines count.
select
    customer_id as customer_key,
    order_id,
    min(business_date) as order_date,
    cast(sum(line_amount) as double) as order_value
from {{ ref('stg_pos__lines') }}
where customer_id is not null
    and is_product
    and line_type = 'sale'
group by customer_id, order_id
