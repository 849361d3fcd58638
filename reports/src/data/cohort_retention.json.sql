-- mart: cohort_retention, the first 13 months (offsets 0-12) of every first-purchase cohort
select
    cast(cohort_month as varchar) as cohort_month,
    month_offset,
    cohort_customers,
    active_customers,
    retention_rate,
    round(revenue, 2) as revenue
from cohort_retention
where month_offset <= 12
order by cohort_month, month_offset
