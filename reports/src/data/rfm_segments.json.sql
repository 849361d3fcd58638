-- mart: customer_rfm, one row per segment
select
    rfm_segment,
    count(*) as customers,
    round(sum(monetary), 2) as monetary,
    round(avg(recency_days), 1) as avg_recency_days,
    round(avg(frequency), 2) as avg_frequency,
    cast(max(as_of_date) as varchar) as as_of_date
from customer_rfm
group by rfm_segment
order by monetary desc
