{{ config(materialized='table') }}
-- Campaign results against the hold-out control group, per campaign of the campaigns seed:
-- response (a purchase in the offer window), revenue, incremental revenue over control, cost
-- (contacts, set-up, rewards redeemed) and ROI on the incremental gross margin.
-- Definitions: _campaign_marts.yml. The seeds are examples a user replaces.
with campaigns as (
    select * from {{ ref('stg_campaigns') }}
),

members as (
    -- a member no feed has seen keeps a key of the same form and counts as a non-responder
    select distinct
        members.campaign_id,
        coalesce(keys.customer_key, members.source_system || ':' || cast(members.source_customer_id as varchar)) as customer_key,
        members.is_control
    from {{ ref('stg_campaign_members') }} as members
    left join {{ ref('int_customer_keys') }} as keys
        on keys.source_system = members.source_system
        and keys.source_customer_id = cast(members.source_customer_id as varchar)
),

member_orders as (
    -- purchase orders of audience members in the offer window, with the reward the offer gave
    select
        members.campaign_id,
        members.customer_key,
        members.is_control,
        orders.order_key,
        orders.gross_sales,
        orders.net_revenue,
        case
            when members.is_control then 0
            when campaigns.offer_type = 'spend_threshold' then
                case
                    when orders.gross_sales >= campaigns.threshold_3 then campaigns.reward_3
                    when orders.gross_sales >= campaigns.threshold_2 then campaigns.reward_2
                    when orders.gross_sales >= campaigns.threshold_1 then campaigns.reward_1
                    else 0
                end
            when campaigns.offer_type = 'free_delivery' then
                case when orders.gross_sales >= campaigns.threshold_1 then campaigns.reward_1 else 0 end
            when campaigns.offer_type = 'percent_off' then orders.gross_sales * campaigns.percent_off / 100
            else 0
        end as reward
    from members
    inner join campaigns on campaigns.campaign_id = members.campaign_id
    inner join {{ ref('int_orders') }} as orders
        on orders.customer_key = members.customer_key
        and orders.is_purchase
        and orders.order_date between campaigns.start_date and campaigns.end_date
),

customer_results as (
    select
        members.campaign_id,
        members.customer_key,
        members.is_control,
        count(member_orders.order_key) as orders,
        coalesce(sum(member_orders.net_revenue), 0) as revenue,
        coalesce(sum(member_orders.reward), 0) as reward,
        count(case when member_orders.reward > 0 then 1 end) as redemptions
    from members
    left join member_orders
        on member_orders.campaign_id = members.campaign_id
        and member_orders.customer_key = members.customer_key
        and member_orders.is_control = members.is_control
    group by members.campaign_id, members.customer_key, members.is_control
),

groups as (
    select
        campaign_id,
        count(case when not is_control then 1 end) as treated_customers,
        count(case when is_control then 1 end) as control_customers,
        count(case when not is_control and orders > 0 then 1 end) as treated_responders,
        count(case when is_control and orders > 0 then 1 end) as control_responders,
        sum(case when not is_control then orders else 0 end) as treated_orders,
        sum(case when is_control then orders else 0 end) as control_orders,
        sum(case when not is_control then revenue else 0 end) as treated_revenue,
        sum(case when is_control then revenue else 0 end) as control_revenue,
        sum(reward) as reward_cost,
        sum(redemptions) as redemptions
    from customer_results
    group by campaign_id
),

measured as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.offer_type,
        campaigns.start_date,
        campaigns.end_date,
        groups.treated_customers,
        groups.control_customers,
        groups.treated_responders,
        groups.control_responders,
        groups.treated_orders,
        groups.control_orders,
        groups.treated_revenue,
        groups.control_revenue,
        case when groups.treated_customers > 0 then cast(groups.treated_responders as double) / groups.treated_customers end as treated_response_rate,
        case when groups.control_customers > 0 then cast(groups.control_responders as double) / groups.control_customers end as control_response_rate,
        case when groups.treated_customers > 0 then groups.treated_revenue / groups.treated_customers end as revenue_per_treated,
        case when groups.control_customers > 0 then groups.control_revenue / groups.control_customers end as revenue_per_control,
        groups.redemptions,
        groups.reward_cost,
        groups.treated_customers * coalesce(campaigns.cost_per_contact, 0) as contact_cost,
        coalesce(campaigns.fixed_cost, 0) as fixed_cost
    from campaigns
    inner join groups on groups.campaign_id = campaigns.campaign_id
),

valued as (
    select
        measured.*,
        treated_response_rate - control_response_rate as response_uplift,
        (revenue_per_treated - revenue_per_control) * treated_customers as incremental_revenue,
        (revenue_per_treated - revenue_per_control) * treated_customers * {{ var('gross_margin_rate', '0.4') }} as incremental_gross_margin,
        contact_cost + fixed_cost + reward_cost as total_cost
    from measured
)

select
    campaign_id,
    campaign_name,
    channel,
    offer_type,
    start_date,
    end_date,
    cast(treated_customers as integer) as treated_customers,
    cast(control_customers as integer) as control_customers,
    cast(treated_responders as integer) as treated_responders,
    cast(control_responders as integer) as control_responders,
    treated_response_rate,
    control_response_rate,
    response_uplift,
    cast(treated_orders as integer) as treated_orders,
    cast(control_orders as integer) as control_orders,
    cast(round(treated_revenue, 2) as double) as treated_revenue,
    cast(round(control_revenue, 2) as double) as control_revenue,
    cast(round(revenue_per_treated, 2) as double) as revenue_per_treated,
    cast(round(revenue_per_control, 2) as double) as revenue_per_control,
    cast(round(incremental_revenue, 2) as double) as incremental_revenue,
    cast(round(incremental_gross_margin, 2) as double) as incremental_gross_margin,
    cast(redemptions as integer) as redemptions,
    cast(round(reward_cost, 2) as double) as reward_cost,
    cast(round(contact_cost, 2) as double) as contact_cost,
    cast(round(fixed_cost, 2) as double) as fixed_cost,
    cast(round(total_cost, 2) as double) as total_cost,
    case when total_cost > 0 then (incremental_gross_margin - total_cost) / total_cost end as roi
from valued
order by start_date, campaign_id
