-- mart: clv_holdout_by_frequency, mean hold-out repeat purchases: actual against the model's expectation
select
    calibration_frequency,
    customers,
    actual_mean,
    expected_mean,
    cast(calibration_end as varchar) as calibration_end
from clv_holdout_by_frequency
order by try_cast(replace(calibration_frequency, '+', '') as integer), calibration_frequency
