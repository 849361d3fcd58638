-- mart: campaign_response, one row per campaign (treatment against the held-out control group)
select
    campaign_id,
    campaign_name,
    channel,
    offer_type,
    cast(start_date as varchar) as start_date,
    cast(end_date as varchar) as end_date,
    treated_customers,
    control_customers,
    treated_responders,
    control_responders,
    treated_response_rate,
    control_response_rate,
    response_uplift,
    treated_orders,
    treated_revenue,
    revenue_per_treated,
    revenue_per_control,
    incremental_revenue,
    incremental_gross_margin,
    redemptions,
    reward_cost,
    contact_cost,
    fixed_cost,
    total_cost,
    roi
from campaign_response
order by start_date, campaign_id
