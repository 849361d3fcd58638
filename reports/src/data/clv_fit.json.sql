-- mart: clv_fit, the fit behind customer_clv: history, repeat customers, boundary, standard errors, hold-out
select
    model,
    cast(first_order_date as varchar) as first_order_date,
    cast(as_of_date as varchar) as as_of_date,
    history_days,
    customers,
    repeat_customers,
    params,
    at_boundary,
    boundary_note,
    standard_errors_finite,
    holdout_actual,
    round(holdout_expected, 2) as holdout_expected
from clv_fit
