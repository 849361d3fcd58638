-- mart: callcenter_kpis summed per day and agent (over topics and channels). Sums, not rates, so
-- the page can add up any days and agents: rate = sum / sum. outcome_known (answered calls with a
-- known resolution) is the mart's resolution_known.
select
    cast(call_date as varchar) as date,
    agent_id as agent,
    sum(offered) as offered,
    sum(answered) as answered,
    sum(answered_within_target) as within_target,
    round(sum(avg_speed_of_answer_seconds * answered), 1) as speed_sum,
    round(sum(avg_handle_time_seconds * answered), 1) as handle_sum,
    sum(resolved_first_contact) as resolved,
    sum(resolution_known) as outcome_known,
    sum(complaints) as complaints,
    sum(csat_responses) as csat_responses,
    round(sum(csat_avg * csat_responses), 1) as csat_sum
from callcenter_kpis
group by call_date, agent_id
order by call_date, agent_id
