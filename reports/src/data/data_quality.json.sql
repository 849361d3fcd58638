-- mart: data_quality, one row per feed and ingest day
select
    feed,
    cast(ingest_date as varchar) as ingest_date,
    rows_landed,
    rows_quarantined,
    rejected_files,
    quarantine_rate,
    deliveries,
    cast(first_business_date as varchar) as first_business_date,
    cast(last_business_date as varchar) as last_business_date,
    key_fields,
    key_fields_complete_rate,
    identified_rate,
    duplicate_rows,
    duplicate_rate,
    freshness_lag_days
from data_quality
order by ingest_date desc, feed
