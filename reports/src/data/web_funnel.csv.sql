-- mart: web_funnel, one row per day of web events
select
    cast(date as varchar) as date,
    sessions,
    identified_sessions,
    product_view_sessions,
    add_to_cart_sessions,
    checkout_sessions,
    purchase_sessions,
    page_views,
    product_views,
    searches,
    add_to_carts,
    checkouts,
    purchases,
    round(purchase_value, 2) as purchase_value
from web_funnel
order by date
