{{ config(materialized='view') }}
-- Reviewers' decisions on candidate record pairs, the latest per pair (either order of the pair).
with pairs as (
    select
        least(record_id_a, record_id_b) as record_id_a,
        greatest(record_id_a, record_id_b) as record_id_b,
        decision,
        reviewer,
        decided_at,
        _ingested_at,
        _source_line
    from {{ source('match-decisions', 'customer_match_decisions') }}
    where decision is not null
),

decided as (
    select
        pairs.*,
        row_number() over (
            partition by record_id_a, record_id_b
            order by decided_at desc nulls last, _ingested_at desc, _source_line desc
        ) as recency_rank
    from pairs
)

select record_id_a, record_id_b, decision, reviewer, decided_at
from decided
where recency_rank = 1
