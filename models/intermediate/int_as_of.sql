{{ config(materialized='view') }}
-- The as-of date of the customer marts: var as_of (the build's --as-of), else the day after the
-- latest purchase in any sales feed. Orders on or after it are left out of the customer marts.
select coalesce(
    cast(nullif('{{ var("as_of", "") }}', '') as date),
    cast(max(order_date) + interval '1' day as date)
) as as_of_date
from {{ ref('int_orders') }}
where is_purchase
