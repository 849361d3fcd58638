-- mart: satisfaction, dimension 'all': every channel's responses per month
select
    cast(month as varchar) as month,
    channel,
    responses,
    avg_score,
    scale_min,
    scale_max,
    satisfaction_index,
    csat_rate
from satisfaction
where dimension = 'all'
order by month, channel
