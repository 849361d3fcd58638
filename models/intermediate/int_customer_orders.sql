{{ config(materialized='view') }}
-- One row per identified customer (golden customer_key) and purchase order: the transaction
-- log the lifetime-value models read. Cancellations and returns are not orders; only product
-- lines count.
select
    keys.customer_key,
    lines.order_id,
    min(lines.business_date) as order_date,
    cast(sum(lines.line_amount) as double) as order_value
from {{ ref('stg_pos__lines') }} as lines
inner join {{ ref('int_customer_keys') }} as keys
    on keys.source_system = 'pos'
    and keys.source_customer_id = lines.customer_id
where lines.is_product
    and lines.line_type = 'sale'
group by keys.customer_key, lines.order_id
