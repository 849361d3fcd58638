-- mart: callcenter_kpis summed per agent and topic over all days (sums; rates on the page = sum / sum)
select
    agent_id as agent,
    topic,
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
group by agent_id, topic
order by agent_id, topic
