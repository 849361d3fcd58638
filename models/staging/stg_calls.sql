{{ config(materialized='view') }}
-- Call-centre contacts as every model downstream reads them: one row per call, without lineage.
select
    call_id,
    started_at,
    business_date as call_date,
    agent_id,
    queue as topic,
    channel,
    answered,
    speed_of_answer_seconds,
    talk_seconds,
    hold_seconds,
    resolved,
    complaint,
    satisfaction_score,
    customer_id,
    phone
from {{ source('calls', 'calls') }}
