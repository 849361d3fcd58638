-- mart: customer_clv (the BG/NBD + Gamma-Gamma fit), one row per scored customer (golden
-- customer_key), with the expected value and history from customer_360 and the POS RFM segment.
select
    clv.customer_key as customer, -- the golden key: pseudonymous, never a source system's id
    round(c360.clv_expected, 2) as clv,
    round(clv.p_alive, 4) as p_alive,
    clv.churn_risk,
    clv.clv_segment,
    clv.frequency as repeat_purchases,
    c360.orders,
    round(c360.net_revenue, 2) as net_revenue,
    cast(c360.last_purchase_date as varchar) as last_purchase_date,
    coalesce(rfm.rfm_segment, c360.rfm_segment) as rfm_segment
from customer_clv as clv
left join customer_360 as c360 on c360.customer_key = clv.customer_key
-- the POS RFM segment (same customers and as-of as the fit); else customer_360's
left join customer_rfm as rfm on rfm.customer_key = clv.customer_key
order by c360.clv_expected desc nulls last, clv.customer_key
