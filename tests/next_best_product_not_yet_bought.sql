-- next_best_product never proposes a product the customer already bought before the as-of date.
select
    candidates.customer_key,
    candidates.source_feed,
    candidates.product_id
from {{ ref('next_best_product') }} as candidates
inner join {{ ref('int_order_products') }} as bought
    on bought.customer_key = candidates.customer_key
    and bought.source_feed = candidates.source_feed
    and bought.product_id = candidates.product_id
cross join {{ ref('int_as_of') }} as as_of
where bought.order_date < as_of.as_of_date
