{{ config(materialized='incremental', unique_key='date,store_id,channel', source_dates='date') }}
-- Daily sales KPIs per store and channel. Product lines only: postage, fees and manual
-- entries are not sales. Walk-in sales (no customer id) count here, unlike in customer marts.
-- Incremental: a day's row is computed from that business date's lines alone, so a build
-- recomputes the dates whose deliveries changed, and their stored rows go (source_dates).
with product_lines as (
    select *
    from {{ ref('stg_pos__lines') }}
    where is_product and {{ changed_rows('business_date') }}
),

daily as (
    select
        business_date as date,
        store_id,
        channel,
        sum(case when line_type = 'sale' then line_amount else 0 end) as gross_sales,
        sum(case when line_type = 'return' then -line_amount else 0 end) as returns_value,
        count(distinct case when line_type = 'sale' then order_id end) as orders,
        count(case when line_type = 'sale' then 1 end) as lines,
        count(distinct case when line_type = 'sale' then customer_id end) as customers
    from product_lines
    group by business_date, store_id, channel
)

select
    date,
    store_id,
    channel,
    cast(round(gross_sales - returns_value, 2) as double) as revenue,
    cast(round(gross_sales, 2) as double) as gross_sales,
    cast(round(returns_value, 2) as double) as returns_value,
    cast(orders as integer) as orders,
    cast(lines as integer) as lines,
    cast(customers as integer) as customers,
    case
        when orders > 0 then cast(round(gross_sales / orders, 2) as double)
    end as avg_order_value
from daily
order by date, store_id, channel
