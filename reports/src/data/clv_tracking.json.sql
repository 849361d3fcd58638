-- mart: clv_tracking, repeat purchases per period: actual against what the model expected
select
    period,
    cast(end_date as varchar) as end_date,
    is_holdout,
    actual,
    round(expected, 2) as expected,
    cumulative_actual,
    round(cumulative_expected, 2) as cumulative_expected,
    cast(calibration_end as varchar) as calibration_end
from clv_tracking
order by period
