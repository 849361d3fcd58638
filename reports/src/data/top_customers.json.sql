-- mart: customer_rfm, the 50 customers with the highest net revenue. They are named by the golden
-- customer_key (a pseudonymous key), never by a source system's id, which people at a till or in a
-- CRM could look up.
select
    customer_key,
    rfm_segment,
    frequency,
    monetary,
    recency_days,
    cast(last_purchase_date as varchar) as last_purchase_date,
    r_score,
    f_score,
    m_score
from customer_rfm
order by monetary desc, customer_key
limit 50
