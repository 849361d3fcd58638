-- mart: satisfaction by agent, topic, store and product, over all months (means weighted by responses).
-- Products: those with at least 3 scored responses, named from the order lines (int_order_products:
-- the POS description; feeds without names, like the Olist items, leave the name NULL).
with names as (
    select product_id, max(product_name) as product_name
    from int_order_products
    where product_name is not null
    group by product_id
),

members as (
    select
        channel,
        dimension,
        member,
        sum(responses) as responses,
        sum(avg_score * responses) / sum(responses) as avg_score,
        sum(satisfaction_index * responses) / sum(responses) as satisfaction_index,
        sum(csat_rate * responses) / sum(responses) as csat_rate
    from satisfaction
    where dimension in ('agent', 'topic', 'store', 'product')
    group by channel, dimension, member
)
select members.*, case when members.dimension = 'product' then names.product_name end as member_name
from members
left join names on members.dimension = 'product' and names.product_id = members.member
where members.dimension <> 'product' or members.responses >= 3
order by dimension, responses desc, member
