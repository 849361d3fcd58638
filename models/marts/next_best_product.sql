{{ config(materialized='table') }}
-- Next-best-product candidates per customer: products the customer has not bought that the
-- product_affinity rules recommend from what they have bought (rules with lift > var
-- nbp_min_lift), best first by confidence, at most var nbp_max_candidates per customer.
with rules as (
    select *
    from {{ ref('product_affinity') }}
    where lift > {{ var('nbp_min_lift', '1.0') }}
),

-- What each customer bought, of the products in a rule (the only ones a reason or an owned
-- product can be): the distinct over every basket line was most of the model (500,000 customers:
-- 4.0M customer products, 5.8 s).
bought as (
    select distinct
        products.customer_key,
        products.source_feed,
        products.product_id
    from {{ ref('int_order_products') }} as products
    cross join {{ ref('int_as_of') }} as as_of
    inner join (
        select source_feed, product_a as product_id from rules
        union
        select source_feed, product_b from rules
    ) as ruled
        on ruled.source_feed = products.source_feed
        and ruled.product_id = products.product_id
    where products.customer_key is not null
        and products.order_date < as_of.as_of_date
),

reasons as (
    select
        bought.customer_key,
        rules.source_feed,
        rules.product_b as product_id,
        rules.product_b_name,
        rules.confidence,
        rules.lift,
        rules.product_a,
        -- the strongest rule names the reason; equal rules are told apart by product id, so every
        -- engine (and every run) names the same one
        row_number() over (
            partition by bought.customer_key, rules.source_feed, rules.product_b
            order by rules.confidence desc, rules.lift desc, rules.product_a
        ) as reason_rank
    from bought
    inner join rules
        on rules.source_feed = bought.source_feed
        and rules.product_a = bought.product_id
    left join bought as owned
        on owned.customer_key = bought.customer_key
        and owned.source_feed = rules.source_feed
        and owned.product_id = rules.product_b
    where owned.product_id is null
),

recommended as (
    select
        customer_key,
        source_feed,
        product_id,
        max(product_b_name) as product_name,
        max(confidence) as confidence,
        max(lift) as lift,
        max(case when reason_rank = 1 then product_a end) as because_of_product,
        count(*) as supporting_products
    from reasons
    group by customer_key, source_feed, product_id
),

ranked as (
    select
        recommended.*,
        row_number() over (partition by customer_key order by confidence desc, lift desc, product_id) as candidate_rank
    from recommended
)

select
    customer_key,
    cast(candidate_rank as integer) as candidate_rank,
    source_feed,
    product_id,
    product_name,
    because_of_product,
    cast(supporting_products as integer) as supporting_products,
    confidence,
    lift
from ranked
where candidate_rank <= {{ var('nbp_max_candidates', '3') }}
order by customer_key, candidate_rank
