-- mart: kpi_monthly, every month from the first to the last with any order, call or review;
-- has_*_data: a feed of that kind covers the month (else its KPIs are NULL: no data, not 0)
select
    cast(month as varchar) as month,
    has_sales_data,
    has_call_data,
    has_review_data,
    round(revenue, 2) as revenue,
    round(pos_revenue, 2) as pos_revenue,
    round(web_revenue, 2) as web_revenue,
    orders,
    round(avg_order_value, 2) as avg_order_value,
    active_customers,
    new_customers,
    returning_customers,
    lost_customers,
    repeat_customer_rate,
    calls_offered,
    calls_answered,
    service_level,
    complaints,
    csat_responses,
    csat_avg,
    review_responses,
    review_score_avg
from kpi_monthly
order by month
