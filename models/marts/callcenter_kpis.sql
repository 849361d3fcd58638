{{ config(materialized='incremental', unique_key='call_date,channel,agent_id,topic', source_dates='call_date') }}
-- Contact-centre KPIs per day, channel, agent and topic: calls offered, answered, abandoned,
-- average speed of answer, service level (answered within var service_level_seconds), average
-- handle time, first-contact resolution, complaints and CSAT. Definitions: _service_marts.yml.
-- Incremental: a day's rows are computed from that business date's calls alone, so a build
-- recomputes the dates whose deliveries changed, and their stored rows go (source_dates).
with calls as (
    select
        call_date,
        coalesce(channel, 'phone') as channel,
        coalesce(agent_id, '(none)') as agent_id,
        coalesce(topic, '(none)') as topic,
        answered,
        speed_of_answer_seconds,
        talk_seconds,
        hold_seconds,
        resolved,
        coalesce(complaint, false)
            or lower(coalesce(topic, '')) like '%{{ var('complaint_topic_pattern', 'complain') }}%' as is_complaint,
        satisfaction_score
    from {{ ref('stg_calls') }}
    where {{ changed_rows('call_date') }}
),

daily as (
    select
        call_date,
        channel,
        agent_id,
        topic,
        count(*) as offered,
        sum(case when answered then 1 else 0 end) as answered,
        sum(case when answered then 0 else 1 end) as abandoned,
        sum(case when answered and speed_of_answer_seconds <= {{ var('service_level_seconds', '20') }} then 1 else 0 end) as answered_within_target,
        sum(case when answered then speed_of_answer_seconds end) as answer_seconds,
        count(case when answered then speed_of_answer_seconds end) as timed_answers,
        sum(case when answered then coalesce(talk_seconds, 0) + coalesce(hold_seconds, 0) end) as handle_seconds,
        count(case when answered and talk_seconds is not null then 1 end) as handled_calls,
        sum(case when answered and resolved then 1 else 0 end) as resolved_first_contact,
        count(case when answered and resolved is not null then 1 end) as resolution_known,
        sum(case when is_complaint then 1 else 0 end) as complaints,
        count(satisfaction_score) as csat_responses,
        sum(satisfaction_score) as csat_score_sum,
        sum(case when satisfaction_score >= {{ var('csat_satisfied_min', '4') }} then 1 else 0 end) as csat_satisfied
    from calls
    group by call_date, channel, agent_id, topic
)

select
    call_date,
    channel,
    agent_id,
    topic,
    cast(offered as integer) as offered,
    cast(answered as integer) as answered,
    cast(abandoned as integer) as abandoned,
    cast(abandoned as double) / offered as abandon_rate,
    case when timed_answers > 0 then cast(answer_seconds as double) / timed_answers end as avg_speed_of_answer_seconds,
    cast(answered_within_target as integer) as answered_within_target,
    cast(answered_within_target as double) / offered as service_level,
    case when handled_calls > 0 then cast(handle_seconds as double) / handled_calls end as avg_handle_time_seconds,
    cast(resolved_first_contact as integer) as resolved_first_contact,
    cast(resolution_known as integer) as resolution_known,
    case when resolution_known > 0 then cast(resolved_first_contact as double) / resolution_known end as first_contact_resolution_rate,
    cast(complaints as integer) as complaints,
    cast(csat_responses as integer) as csat_responses,
    case when csat_responses > 0 then cast(csat_score_sum as double) / csat_responses end as csat_avg,
    case when csat_responses > 0 then cast(csat_satisfied as double) / csat_responses end as csat_satisfied_rate
from daily
order by call_date, channel, agent_id, topic
