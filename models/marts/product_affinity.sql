{{ config(materialized='table') }}
-- Products bought together, as association rules "A → B" per sales feed (product ids of different
-- feeds are different catalogues): support, confidence and lift over purchase baskets (orders).
-- Only pairs with support ≥ var min_support and at least var min_pair_orders baskets are kept.
with baskets as (
    -- int_order_products has one row per order and product (its unique key): no DISTINCT needed
    select source_feed, order_id, product_id
    from {{ ref('int_order_products') }}
),

basket_counts as (
    select source_feed, count(distinct order_id) as baskets
    from baskets
    group by source_feed
),

product_counts as (
    select source_feed, product_id, count(*) as orders
    from baskets
    group by source_feed, product_id
),

-- A pair cannot be more frequent than either product: drop products below the thresholds first.
-- Each basket line carries its product's basket count and the feed's, so the pairs need no join
-- after they are counted.
frequent as (
    select
        baskets.source_feed,
        baskets.order_id,
        baskets.product_id,
        product_counts.orders,
        basket_counts.baskets
    from baskets
    inner join product_counts
        on product_counts.source_feed = baskets.source_feed
        and product_counts.product_id = baskets.product_id
    inner join basket_counts on basket_counts.source_feed = baskets.source_feed
    where product_counts.orders >= {{ var('min_pair_orders', '3') }}
        and cast(product_counts.orders as double) / basket_counts.baskets >= {{ var('min_support', '0.02') }}
),

-- Each unordered pair once (a < b), then both directions: half the self-join of the baskets.
pair_counts as (
    select
        a.source_feed,
        a.product_id as product_a,
        b.product_id as product_b,
        a.orders as orders_a,
        b.orders as orders_b,
        a.baskets,
        count(*) as orders_together
    from frequent as a
    inner join frequent as b
        on b.source_feed = a.source_feed
        and b.order_id = a.order_id
        and b.product_id > a.product_id
    group by a.source_feed, a.product_id, b.product_id, a.orders, b.orders, a.baskets
),

pairs as (
    select source_feed, product_a, product_b, orders_a, orders_b, baskets, orders_together from pair_counts
    union all
    select source_feed, product_b, product_a, orders_b, orders_a, baskets, orders_together from pair_counts
),

names as (
    select source_feed, product_id, max(product_name) as product_name
    from {{ ref('int_order_products') }}
    group by source_feed, product_id
),

rules as (
    select
        source_feed,
        product_a,
        product_b,
        orders_together,
        orders_a,
        orders_b,
        baskets,
        cast(orders_together as double) / baskets as support,
        cast(orders_together as double) / orders_a as confidence,
        (cast(orders_together as double) / orders_a) / (cast(orders_b as double) / baskets) as lift
    from pairs
    where orders_together >= {{ var('min_pair_orders', '3') }}
        and cast(orders_together as double) / baskets >= {{ var('min_support', '0.02') }}
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
