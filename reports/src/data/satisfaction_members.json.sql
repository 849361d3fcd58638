-- mart: satisfaction by agent, topic, store and product, over all months (means weighted by responses).
-- Products: those with at least 3 scored responses.
with members as (
    select
        channel,
        dimension,
        member,
        sum(responses) as responses,
        sum(avg_score * responses) / sum(responses) as avg_score,
        sum(satisfaction_index * responses) / sum(responses) as satisfaction_index,
        sum(csat_rate * responses) / sum(responses) as csat_rate
    from satisfaction
    where dimension in ('agent', 'topic', 'store', 'product')
    group by channel, dimension, member
)
select * from members
where dimension <> 'product' or responses >= 3
order by dimension, responses desc, member
