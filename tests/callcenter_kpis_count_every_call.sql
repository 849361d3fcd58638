-- callcenter_kpis accounts for every call once: per day, calls offered and answered add up to the
-- calls in stg_calls. Returns the days where they do not.
with calls as (
    select
        call_date,
        count(*) as offered,
        sum(case when answered then 1 else 0 end) as answered
    from {{ ref('stg_calls') }}
    group by call_date
),

kpis as (
    select
        call_date,
        sum(offered) as offered,
        sum(answered) as answered
    from {{ ref('callcenter_kpis') }}
    group by call_date
)

select
    coalesce(calls.call_date, kpis.call_date) as call_date,
    calls.offered as calls_offered,
    kpis.offered as kpi_offered,
    calls.answered as calls_answered,
    kpis.answered as kpi_answered
from calls
full outer join kpis on kpis.call_date = calls.call_date
where coalesce(calls.offered, 0) <> coalesce(kpis.offered, 0)
    or coalesce(calls.answered, 0) <> coalesce(kpis.answered, 0)
