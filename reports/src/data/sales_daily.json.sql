-- mart: sales_daily, summed over stores and channels per day
select
    cast(date as varchar) as date,
    sum(revenue) as revenue,
    sum(gross_sales) as gross_sales,
    sum(returns_value) as returns_value,
    sum(orders) as orders,
    sum(customers) as customers
from sales_daily
group by date
order by date
