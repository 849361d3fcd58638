-- mart: customer_clv (the BG/NBD + Gamma-Gamma fit) with the expected value from customer_360:
-- the page's headline numbers in one row, so no page ships one row per customer to the browser.
-- The median is the middle value (the mean of the two middle ones for an even count), in SQL
-- that DuckDB and Athena both run.
with customers as (
    select round(c360.clv_expected, 2) as clv, round(clv.p_alive, 4) as p_alive
    from customer_clv as clv
    left join customer_360 as c360 on c360.customer_key = clv.customer_key
),

valued as (
    select clv, p_alive, row_number() over (order by clv) as rn, count(*) over () as n
    from customers
    where clv is not null
)

select
    (select count(*) from customers) as customers,
    (select count(*) from valued) as valued,
    (select sum(clv) from valued) as total_clv,
    (select avg(clv) from valued where rn in (floor((n + 1) / 2.0), floor((n + 2) / 2.0))) as median_clv,
    (select avg(p_alive) from customers) as avg_p_alive,
    (select count(*) from valued where p_alive < 0.8) as customers_at_risk,
    (select sum(clv) from valued where p_alive < 0.8) as value_at_risk,
    (select max(clv) from valued) as max_clv,
    (select min(p_alive) from valued where clv > 0) as min_p_alive
