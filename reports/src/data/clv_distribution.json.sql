-- mart: customer_clv with customer_360's expected value: customers by expected 12-month value
-- (bins a tenth of a decade wide on a log scale, from 10^(k/10) to 10^((k+1)/10); values below
-- 10^0.4 ≈ 2.5 are counted in the first bin, from 10^0.4) and CLV segment. A histogram, not the
-- customers: the page's size does not grow with them.
with valued as (
    select round(c360.clv_expected, 2) as clv, clv.clv_segment
    from customer_clv as clv
    left join customer_360 as c360 on c360.customer_key = clv.customer_key
    where c360.clv_expected is not null and round(c360.clv_expected, 2) > 0
),

binned as (
    select greatest(4, cast(floor(round(log10(clv) * 10, 6)) as integer)) as bin, clv_segment, clv
    from valued
)

select
    bin,
    case when bin = 4 then 0 else power(10, bin / 10.0) end as clv_from,
    power(10, greatest(bin, 4) / 10.0) as x_from,
    power(10, (bin + 1) / 10.0) as clv_to,
    clv_segment,
    count(*) as customers,
    round(sum(clv), 2) as value
from binned
group by bin, clv_segment
order by bin, clv_segment
