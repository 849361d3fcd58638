-- mart: data_quality, per feed: the latest business date landed and how late the last delivery was
with latest as (
    select feed, max(ingest_date) as last_ingest_date, max(last_business_date) as last_business_date
    from data_quality
    group by feed
)
select
    latest.feed,
    cast(latest.last_business_date as varchar) as last_business_date,
    cast(latest.last_ingest_date as varchar) as last_ingest_date,
    dq.freshness_lag_days
from latest
join data_quality as dq on dq.feed = latest.feed and dq.ingest_date = latest.last_ingest_date
order by latest.feed
