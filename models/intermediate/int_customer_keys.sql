{{ config(materialized='view') }}
-- The identity seam every customer mart joins through: each source id and its golden
-- customer_key from the customer master (customer_xref).
select customer_key, source_system, source_customer_id
from {{ ref('customer_xref') }}
