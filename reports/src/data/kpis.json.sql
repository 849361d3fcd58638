-- marts: sales_daily (money and orders) and customer_rfm (customers)
with sales as (
    select
        min(date) as first_date,
        max(date) as last_date,
        sum(revenue) as revenue,
        sum(gross_sales) as gross_sales,
        sum(returns_value) as returns_value,
        sum(orders) as orders
    from sales_daily
),
customers as (
    select count(*) as customers, max(as_of_date) as as_of_date
    from customer_rfm
)
select
    cast(sales.first_date as varchar) as first_date,
    cast(sales.last_date as varchar) as last_date,
    round(sales.revenue, 2) as revenue,
    round(sales.returns_value, 2) as returns_value,
    sales.orders,
    round(sales.gross_sales / nullif(sales.orders, 0), 2) as avg_order_value,
    customers.customers,
    cast(customers.as_of_date as varchar) as as_of_date
from sales
cross join customers
