{{ config(materialized='table') }}
-- Lifecycle stage per customer with a purchase before the as-of date: VIP, Reactivated, New,
-- Active, At Risk or Lapsed (the first rule that holds, in that order). Rules and windows
-- (vars) are in _customer_marts.yml.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

orders as (
    select orders.*
    from {{ ref('int_orders') }} as orders
    cross join as_of
    where orders.customer_key is not null
        and orders.order_date < as_of.as_of_date
),

purchase_days as (
    select distinct customer_key, order_date
    from orders
    where is_purchase
),

gaps as (
    select
        customer_key,
        order_date,
        lag(order_date) over (partition by customer_key order by order_date) as previous_purchase_date
    from purchase_days
),

latest_gap as (
    select customer_key, previous_purchase_date
    from (
        select
            gaps.*,
            row_number() over (partition by customer_key order by order_date desc) as latest
        from gaps
    ) as ranked
    where latest = 1
),

customers as (
    select
        orders.customer_key,
        min(case when orders.is_purchase then orders.order_date end) as first_purchase_date,
        max(case when orders.is_purchase then orders.order_date end) as last_purchase_date,
        -- one int_orders row per order_key (its unique key, tested): count, not count(distinct)
        count(case when orders.is_purchase then orders.order_key end) as orders,
        sum(orders.net_revenue) as net_revenue,
        sum(
            case
                when orders.order_date >= date_add('day', -{{ var('vip_window_days', '365') }}, as_of.as_of_date) then orders.net_revenue
                else 0
            end
        ) as window_revenue
    from orders
    cross join as_of
    group by orders.customer_key
),

measured as (
    select
        customers.*,
        latest_gap.previous_purchase_date,
        as_of.as_of_date,
        date_diff('day', customers.last_purchase_date, as_of.as_of_date) as days_since_last_purchase,
        date_diff('day', customers.first_purchase_date, as_of.as_of_date) as days_since_first_purchase,
        date_diff('day', latest_gap.previous_purchase_date, customers.last_purchase_date) as days_between_last_two_purchases
    from customers
    inner join latest_gap on latest_gap.customer_key = customers.customer_key
    cross join as_of
    where customers.first_purchase_date is not null
),

ranked as (
    select
        measured.*,
        -- share of customers with at least this much revenue in the VIP window (1 = top)
        case
            when window_revenue > 0 then cume_dist() over (order by case when window_revenue > 0 then window_revenue else 0 end desc)
        end as window_revenue_top_share
    from measured
)

select
    customer_key,
    case
        when days_since_last_purchase <= {{ var('active_days', '90') }}
            and window_revenue_top_share <= {{ var('vip_top_share', '0.05') }} then 'VIP'
        when days_since_last_purchase <= {{ var('active_days', '90') }}
            and days_between_last_two_purchases > {{ var('lapsed_days', '180') }} then 'Reactivated'
        when days_since_first_purchase <= {{ var('new_customer_days', '30') }} then 'New'
        when days_since_last_purchase <= {{ var('active_days', '90') }} then 'Active'
        when days_since_last_purchase <= {{ var('lapsed_days', '180') }} then 'At Risk'
        else 'Lapsed'
    end as lifecycle_stage,
    first_purchase_date,
    last_purchase_date,
    previous_purchase_date,
    cast(days_since_first_purchase as integer) as days_since_first_purchase,
    cast(days_since_last_purchase as integer) as days_since_last_purchase,
    cast(days_between_last_two_purchases as integer) as days_between_last_two_purchases,
    cast(orders as integer) as orders,
    cast(round(net_revenue, 2) as double) as net_revenue,
    cast(round(window_revenue, 2) as double) as window_revenue,
    cast(window_revenue_top_share as double) as window_revenue_top_share,
    as_of_date
from ranked
order by customer_key
