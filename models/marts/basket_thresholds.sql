{{ config(materialized='table') }}
-- Basket sizes around the spend thresholds of the campaigns seed: for every threshold, purchase
-- orders in the offer window counted in bins of var basket_bin_width within ± var
-- basket_threshold_window of it, by audience group. Bunching just above a threshold among treated
-- customers (against control and everyone else) is the promotion working. Seeds are examples.
with campaigns as (
    select * from {{ ref('stg_campaigns') }}
),

thresholds as (
    select campaign_id, start_date, end_date, 1 as tier, threshold_1 as threshold from campaigns where threshold_1 is not null
    union all
    select campaign_id, start_date, end_date, 2 as tier, threshold_2 as threshold from campaigns where threshold_2 is not null
    union all
    select campaign_id, start_date, end_date, 3 as tier, threshold_3 as threshold from campaigns where threshold_3 is not null
),

members as (
    select distinct
        members.campaign_id,
        keys.customer_key,
        members.is_control
    from {{ ref('stg_campaign_members') }} as members
    inner join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = members.source_system
        and keys.source_customer_id = cast(members.source_customer_id as varchar)
),

bins as (
    select
        thresholds.campaign_id,
        thresholds.tier,
        thresholds.threshold,
        thresholds.start_date,
        thresholds.end_date,
        thresholds.threshold - {{ var('basket_threshold_window', '50') }} + numbers.n * {{ var('basket_bin_width', '10') }} as bin_lower
    from thresholds
    inner join {{ ref('int_numbers') }} as numbers
        on numbers.n < ceiling(2 * cast({{ var('basket_threshold_window', '50') }} as double) / {{ var('basket_bin_width', '10') }})
),

window_orders as (
    select
        thresholds.campaign_id,
        thresholds.tier,
        orders.gross_sales as basket_value,
        case
            when members.is_control then 'control'
            when members.customer_key is not null then 'treatment'
            else 'not_in_audience'
        end as audience_group
    from thresholds
    inner join {{ ref('int_orders') }} as orders
        on orders.is_purchase
        and orders.order_date between thresholds.start_date and thresholds.end_date
        and orders.gross_sales >= thresholds.threshold - {{ var('basket_threshold_window', '50') }}
        and orders.gross_sales < thresholds.threshold + {{ var('basket_threshold_window', '50') }}
    left join members
        on members.campaign_id = thresholds.campaign_id
        and members.customer_key = orders.customer_key
),

counted as (
    select
        bins.campaign_id,
        bins.tier,
        bins.threshold,
        bins.bin_lower,
        count(case when window_orders.audience_group = 'treatment' then 1 end) as treatment_orders,
        count(case when window_orders.audience_group = 'control' then 1 end) as control_orders,
        count(case when window_orders.audience_group = 'not_in_audience' then 1 end) as other_orders
    from bins
    left join window_orders
        on window_orders.campaign_id = bins.campaign_id
        and window_orders.tier = bins.tier
        and window_orders.basket_value >= bins.bin_lower
        and window_orders.basket_value < least(bins.bin_lower + {{ var('basket_bin_width', '10') }}, bins.threshold + {{ var('basket_threshold_window', '50') }})
    group by bins.campaign_id, bins.tier, bins.threshold, bins.bin_lower
)

select
    campaign_id,
    cast(tier as integer) as tier,
    cast(threshold as double) as threshold,
    cast(bin_lower as double) as bin_lower,
    cast(least(bin_lower + {{ var('basket_bin_width', '10') }}, threshold + {{ var('basket_threshold_window', '50') }}) as double) as bin_upper,
    bin_lower >= threshold as at_or_above_threshold,
    cast(treatment_orders as integer) as treatment_orders,
    cast(control_orders as integer) as control_orders,
    cast(other_orders as integer) as other_orders,
    case
        when sum(treatment_orders) over (partition by campaign_id, tier) > 0
            then cast(treatment_orders as double) / sum(treatment_orders) over (partition by campaign_id, tier)
    end as treatment_share,
    case
        when sum(control_orders) over (partition by campaign_id, tier) > 0
            then cast(control_orders as double) / sum(control_orders) over (partition by campaign_id, tier)
    end as control_share,
    case
        when sum(other_orders) over (partition by campaign_id, tier) > 0
            then cast(other_orders as double) / sum(other_orders) over (partition by campaign_id, tier)
    end as other_share
from counted
order by campaign_id, tier, bin_lower
