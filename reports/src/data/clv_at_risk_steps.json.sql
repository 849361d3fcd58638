-- mart: customer_clv with customer_360's expected value: customers and expected value at risk
-- per step of the page's P(alive) slider (0.50 to 1.00 in steps of 0.01). Each valued customer
-- falls in the first step t with P(alive) < t (`step` = 100 t; below 0.50 in step 50; P(alive) = 1
-- in none); the page adds up the steps up to its threshold.
with valued as (
    select round(c360.clv_expected, 2) as clv, round(clv.p_alive, 4) as p_alive
    from customer_clv as clv
    left join customer_360 as c360 on c360.customer_key = clv.customer_key
    where c360.clv_expected is not null
),

stepped as (
    select clv, greatest(50, cast(floor(round(p_alive * 100, 6)) as integer) + 1) as step
    from valued
)

select step, count(*) as customers, round(sum(clv), 2) as value
from stepped
where step <= 100
group by step
order by step
