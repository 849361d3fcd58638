-- Revenue per day in sales_daily adds up to the day's product lines (sales minus returns):
-- returns the days where the mart and the lines disagree by more than rounding.
with lines as (
    select
        business_date as date,
        sum(case when line_type in ('sale', 'return') then line_amount else 0 end) as revenue
    from {{ ref('stg_pos__lines') }}
    where is_product
    group by business_date
),

mart as (
    select date, sum(revenue) as revenue
    from {{ ref('sales_daily') }}
    group by date
)

select
    coalesce(lines.date, mart.date) as date,
    cast(lines.revenue as double) as lines_revenue,
    mart.revenue as mart_revenue
from lines
full outer join mart on lines.date = mart.date
where abs(coalesce(cast(lines.revenue as double), 0) - coalesce(mart.revenue, 0)) > 0.05
