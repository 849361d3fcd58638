-- mart: customer_rfm, the 50 customers with the highest net revenue
select
    customer_id,
    rfm_segment,
    frequency,
    monetary,
    recency_days,
    cast(last_purchase_date as varchar) as last_purchase_date,
    r_score,
    f_score,
    m_score
from customer_rfm
order by monetary desc, customer_id
limit 50
