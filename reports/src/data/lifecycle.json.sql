-- mart: customer_360, customers per lifecycle stage (customer_lifecycle's stage; Prospect = no purchase yet)
select
    lifecycle_stage,
    count(*) as customers,
    round(sum(net_revenue), 2) as net_revenue,
    sum(orders) as orders,
    cast(max(as_of_date) as varchar) as as_of_date
from customer_360
group by lifecycle_stage
order by customers desc
