{{ config(materialized='table') }}
-- One row per purchase order and product: the baskets product_affinity and next_best_product read.
-- POS: product sale lines; web: the items of purchase orders. Amounts in the reporting currency.
with pos_lines as (
    select
        order_id,
        sku as product_id,
        max(description) as product_name,
        sum(quantity) as quantity,
        sum(line_amount) as amount
    from {{ ref('stg_pos__lines') }}
    where is_product
        and line_type = 'sale'
    group by order_id, sku
),

web_items as (
    select
        order_id,
        product_id,
        cast(null as varchar) as product_name,
        count(*) as quantity,
        sum(price) as amount
    from {{ ref('stg_web__order_items') }}
    group by order_id, product_id
),

lines as (
    select 'pos' as source_feed, order_id, product_id, product_name, cast(quantity as double) as quantity, cast(amount as double) as amount from pos_lines
    union all
    select 'web' as source_feed, order_id, product_id, product_name, cast(quantity as double) as quantity, cast(amount as double) as amount from web_items
)

select
    orders.source_feed,
    orders.order_id,
    orders.customer_key,
    orders.order_date,
    lines.product_id,
    lines.product_name,
    lines.quantity,
    lines.amount * orders.fx_rate as amount
from lines
inner join {{ ref('int_orders') }} as orders
    on orders.source_feed = lines.source_feed
    and orders.order_id = lines.order_id
where orders.is_purchase
