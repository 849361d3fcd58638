{{ config(materialized='table') }}
-- Products bought together, as association rules "A → B" per sales feed (product ids of different
-- feeds are different catalogues): support, confidence and lift over purchase baskets (orders).
-- Only pairs with support ≥ var min_support and at least var min_pair_orders baskets are kept.
with basket_counts as (
    -- int_order_products has one row per order and product (its unique key)
    select source_feed, count(distinct order_id) as baskets
    from {{ ref('int_order_products') }}
    group by source_feed
),

product_counts as (
    select source_feed, product_id, count(*) as orders
    from {{ ref('int_order_products') }}
    group by source_feed, product_id
),

-- A pair cannot be more frequent than either product: only products that meet the thresholds
-- themselves can be in a rule.
frequent_products as (
    select
        product_counts.source_feed,
        product_counts.product_id,
        product_counts.orders,
        basket_counts.baskets
    from product_counts
    inner join basket_counts on basket_counts.source_feed = product_counts.source_feed
    where product_counts.orders >= {{ var('min_pair_orders', '3') }}
        and cast(product_counts.orders as double) / basket_counts.baskets >= {{ var('min_support', '0.02') }}
),

-- The basket lines of frequent products, written out for each side of the self-join rather than
-- shared as one CTE: DuckDB materialized the shared CTE, copying 10M lines (500,000 customers:
-- the model alone in 5.8-8.0 s that way, 4.9-5.4 s this way). Joining the frequent products
-- inside the self-join instead let DuckDB pair every basket line first (150 s).
lines_a as (
    select lines.source_feed, lines.order_id, lines.product_id
    from {{ ref('int_order_products') }} as lines
    inner join frequent_products
        on frequent_products.source_feed = lines.source_feed
        and frequent_products.product_id = lines.product_id
),

lines_b as (
    select lines.source_feed, lines.order_id, lines.product_id
    from {{ ref('int_order_products') }} as lines
    inner join frequent_products
        on frequent_products.source_feed = lines.source_feed
        and frequent_products.product_id = lines.product_id
),

-- Each unordered pair once (a < b), then both directions: half the self-join of the baskets.
pair_counts as (
    select
        a.source_feed,
        a.product_id as product_a,
        b.product_id as product_b,
        count(*) as orders_together
    from lines_a as a
    inner join lines_b as b
        on b.source_feed = a.source_feed
        and b.order_id = a.order_id
        and b.product_id > a.product_id
    group by a.source_feed, a.product_id, b.product_id
),

pairs as (
    select source_feed, product_a, product_b, orders_together from pair_counts
    union all
    select source_feed, product_b, product_a, orders_together from pair_counts
),

names as (
    select source_feed, product_id, max(product_name) as product_name
    from {{ ref('int_order_products') }}
    group by source_feed, product_id
),

rules as (
    select
        pairs.source_feed,
        pairs.product_a,
        pairs.product_b,
        pairs.orders_together,
        product_a.orders as orders_a,
        product_b.orders as orders_b,
        product_a.baskets,
        cast(pairs.orders_together as double) / product_a.baskets as support,
        cast(pairs.orders_together as double) / product_a.orders as confidence,
        (cast(pairs.orders_together as double) / product_a.orders) / (cast(product_b.orders as double) / product_a.baskets) as lift
    from pairs
    inner join frequent_products as product_a
        on product_a.source_feed = pairs.source_feed
        and product_a.product_id = pairs.product_a
    inner join frequent_products as product_b
        on product_b.source_feed = pairs.source_feed
        and product_b.product_id = pairs.product_b
    where pairs.orders_together >= {{ var('min_pair_orders', '3') }}
        and cast(pairs.orders_together as double) / product_a.baskets >= {{ var('min_support', '0.02') }}
)

select
    rules.source_feed,
    rules.product_a,
    names_a.product_name as product_a_name,
    rules.product_b,
    names_b.product_name as product_b_name,
    cast(rules.orders_together as integer) as orders_together,
    cast(rules.orders_a as integer) as orders_a,
    cast(rules.orders_b as integer) as orders_b,
    cast(rules.baskets as integer) as baskets,
    rules.support,
    rules.confidence,
    rules.lift
from rules
left join names as names_a
    on names_a.source_feed = rules.source_feed
    and names_a.product_id = rules.product_a
left join names as names_b
    on names_b.source_feed = rules.source_feed
    and names_b.product_id = rules.product_b
order by rules.source_feed, rules.lift desc, rules.product_a, rules.product_b
