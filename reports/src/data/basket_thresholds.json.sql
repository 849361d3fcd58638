-- mart: basket_thresholds, orders in bins around each spend threshold, by audience group
select
    campaign_id,
    tier,
    threshold,
    bin_lower,
    bin_upper,
    at_or_above_threshold,
    treatment_orders,
    control_orders,
    other_orders
from basket_thresholds
order by campaign_id, tier, bin_lower
