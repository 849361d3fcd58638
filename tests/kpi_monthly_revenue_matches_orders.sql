-- kpi_monthly's revenue per month is the net revenue of every order that month in int_orders
-- (walk-in sales included): returns the months where they disagree by more than rounding.
with orders as (
    select
        cast(date_trunc('month', order_date) as date) as month,
        sum(net_revenue) as revenue,
        count(distinct case when is_purchase then order_key end) as orders
    from {{ ref('int_orders') }}
    group by cast(date_trunc('month', order_date) as date)
)

select
    coalesce(orders.month, kpis.month) as month,
    orders.revenue as orders_revenue,
    kpis.revenue as kpi_revenue,
    orders.orders as orders_orders,
    kpis.orders as kpi_orders
from orders
full outer join {{ ref('kpi_monthly') }} as kpis on kpis.month = orders.month
where abs(coalesce(orders.revenue, 0) - coalesce(kpis.revenue, 0)) > 0.05
    or coalesce(orders.orders, 0) <> coalesce(kpis.orders, 0)
