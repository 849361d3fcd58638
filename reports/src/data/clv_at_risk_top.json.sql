-- mart: customer_clv with customer_360's expected value: the customers the page's "top customers
-- at risk" table can show, for its P(alive) slider (0.50 to 1.00 in steps of 0.01), without
-- shipping every customer. Each valued customer falls in the first step t with P(alive) < t
-- (`step` = 100 t; below 0.50 in step 50; P(alive) = 1 in none). A customer is shipped when it is
-- among the 50 most valuable below some threshold: fewer than 50 customers of its step and the
-- steps below are worth more (those are among the 50 most valuable of their own step, else 50
-- of their step would be too). The page keeps those below its threshold and shows the first 50
-- by value: exactly the 50 most valuable below it. Counts and totals per step: clv_at_risk_steps.
-- Customers are named by the golden customer_key (pseudonymous, never a source system's id).
with valued as (
    select
        clv.customer_key as customer,
        round(c360.clv_expected, 2) as clv,
        round(clv.p_alive, 4) as p_alive,
        clv.churn_risk,
        clv.clv_segment,
        c360.orders,
        round(c360.net_revenue, 2) as net_revenue,
        cast(c360.last_purchase_date as varchar) as last_purchase_date,
        coalesce(rfm.rfm_segment, c360.rfm_segment) as rfm_segment
    from customer_clv as clv
    left join customer_360 as c360 on c360.customer_key = clv.customer_key
    -- the POS RFM segment (same customers and as-of as the fit); else customer_360's
    left join customer_rfm as rfm on rfm.customer_key = clv.customer_key
    where c360.clv_expected is not null
),

stepped as (
    select *, greatest(50, cast(floor(round(p_alive * 100, 6)) as integer) + 1) as step
    from valued
),

at_risk as (
    select * from stepped where step <= 100
),

ranked as (
    select *, row_number() over (partition by step order by clv desc, customer) as rank_in_step
    from at_risk
),

candidates as (
    select * from ranked where rank_in_step <= 50
),

ahead as (
    -- per candidate: the candidates of lower steps worth more (in the page's order: value, then key)
    select a.customer, count(b.customer) as ahead_below
    from candidates as a
    left join candidates as b
        on b.step < a.step and (b.clv > a.clv or (b.clv = a.clv and b.customer < a.customer))
    group by a.customer
)

select c.customer, c.clv, c.p_alive, c.churn_risk, c.clv_segment, c.orders, c.net_revenue, c.last_purchase_date, c.rfm_segment
from candidates as c
inner join ahead on ahead.customer = c.customer
where c.rank_in_step - 1 + ahead.ahead_below < 50
order by c.clv desc, c.customer
