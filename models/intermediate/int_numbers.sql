{{ config(materialized='view') }}
-- Whole numbers 0 to 999: a spine for month offsets and bins (Trino's sequence() has no DuckDB
-- twin, and DuckDB's range() is not Trino SQL).
select ones.n + 10 * tens.n + 100 * hundreds.n as n
from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as ones (n)
cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as tens (n)
cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as hundreds (n)
