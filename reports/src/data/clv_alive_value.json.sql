-- mart: customer_clv with customer_360's expected value: customers on a grid of expected value
-- (a fifth of a decade, log scale; values below 10^0.4 ≈ 2.5 in the first column) by P(alive)
-- (two points), with their count and value.
-- The page draws the grid as a heat map: who to save, without one point per customer.
with valued as (
    select round(c360.clv_expected, 2) as clv, round(clv.p_alive, 4) as p_alive
    from customer_clv as clv
    left join customer_360 as c360 on c360.customer_key = clv.customer_key
    where c360.clv_expected is not null and round(c360.clv_expected, 2) > 0
),

cells as (
    select
        greatest(2, cast(floor(round(log10(clv) * 5, 6)) as integer)) as value_bin,
        cast(floor(round(p_alive * 50, 6)) as integer) as alive_bin,
        clv
    from valued
)

select
    case when value_bin = 2 then 0 else power(10, value_bin / 5.0) end as clv_from,
    power(10, value_bin / 5.0) as x_from,
    power(10, (value_bin + 1) / 5.0) as clv_to,
    alive_bin / 50.0 as alive_from,
    (alive_bin + 1) / 50.0 as alive_to,
    count(*) as customers,
    round(sum(clv), 2) as value
from cells
group by value_bin, alive_bin
order by value_bin, alive_bin
