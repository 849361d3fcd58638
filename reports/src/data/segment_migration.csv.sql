-- mart: segment_migration, customers moving between RFM segments from one month end to the next
select
    cast(month_end as varchar) as month_end,
    from_segment,
    to_segment,
    customers,
    round(monetary) as monetary
from segment_migration
order by month_end, from_segment, to_segment
