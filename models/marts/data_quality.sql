{{ config(materialized='incremental', unique_key='feed,ingest_date', dates_by='ingest_date', replaces_from='ingest_date') }}
-- Data quality per feed and ingest day (UTC date the rows landed): rows landed and quarantined,
-- completeness of each feed's key fields, identified-customer rate, duplicate rate and freshness.
-- Reads the curated tables as landed (with lineage), not the staging views, and the quarantine
-- through int_quarantine_daily. Definitions: _kpi_marts.yml.
-- Built incrementally by ingest day (dates_by='ingest_date'): a build recomputes the days from the
-- first on which a delivery landed, was replaced or was withdrawn, and replaces the stored rows
-- from that day on (replaces_from). An earlier day's counts, first landings included, depend only
-- on the rows landed up to that day, which did not change.
with landed as (
    select
        'pos' as feed,
        'order_id, sku, order_ts, quantity, unit_price, description' as key_fields,
        cast(_ingested_at as date) as ingest_date,
        _source_file as source_file,
        business_date,
        order_id is not null and sku is not null and order_ts is not null and quantity is not null and unit_price is not null and description is not null as key_complete,
        customer_id is not null as identified
    from {{ source('pos', 'pos_lines') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'calls',
        'call_id, started_at, agent_id, queue, answered',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        call_id is not null and started_at is not null and agent_id is not null and queue is not null and answered is not null,
        customer_id is not null
    from {{ source('calls', 'calls') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'web',
        'event_id, session_id, event_type, item_id',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        event_id is not null and session_id is not null and event_type is not null and item_id is not null,
        customer_id is not null
    from {{ source('web', 'web_events') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'customers',
        'source_customer_id, source_person_id, postcode, city',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        source_customer_id is not null and source_person_id is not null and postcode is not null and city is not null,
        source_customer_id is not null
    from {{ source('customers', 'customer_profiles') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'surveys',
        'response_id, score, order_id',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        response_id is not null and score is not null and order_id is not null,
        source_customer_id is not null or order_id is not null
    from {{ source('surveys', 'survey_responses') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'web-orders',
        'order_id, source_customer_id, purchased_at, status',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        order_id is not null and source_customer_id is not null and purchased_at is not null and status is not null,
        source_customer_id is not null
    from {{ source('web-orders', 'web_orders') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'web-order-items',
        'order_id, item_number, product_id, price',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        order_id is not null and item_number is not null and product_id is not null and price is not null,
        cast(null as boolean)
    from {{ source('web-order-items', 'web_order_items') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'web-payments',
        'order_id, payment_sequence, payment_type, payment_value',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        order_id is not null and payment_sequence is not null and payment_type is not null and payment_value is not null,
        cast(null as boolean)
    from {{ source('web-payments', 'web_payments') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'campaigns',
        'campaign_id, channel, start_date, end_date',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        campaign_id is not null and channel is not null and start_date is not null and end_date is not null,
        cast(null as boolean)
    from {{ source('campaigns', 'marketing_campaigns') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)

    union all

    select
        'campaign-members',
        'campaign_id, source_system, source_customer_id, is_control',
        cast(_ingested_at as date),
        _source_file,
        business_date,
        campaign_id is not null and source_system is not null and source_customer_id is not null and is_control is not null,
        source_customer_id is not null
    from {{ source('campaign-members', 'marketing_campaign_members') }}
    where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
),

-- Each key's first landing (its earliest _ingested_at): every later row with the key is a
-- duplicate, counted on its own ingest day (rows landed that day minus the keys first seen that
-- day). Only the keys of the days recomputed (rows from the first changed ingest day on) count:
-- on an incremental build their rows that landed earlier are found by joining on the key (NULL
-- parts equal, as in a group by), not by grouping every row ever landed.
first_seen as (
    select 'pos' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select order_id, sku, quantity, unit_price, order_ts, customer_id, _ingested_at
        from {{ source('pos', 'pos_lines') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.order_id, earlier.sku, earlier.quantity, earlier.unit_price, earlier.order_ts, earlier.customer_id, earlier._ingested_at
        from {{ source('pos', 'pos_lines') }} as earlier
        inner join (
            select distinct order_id, sku, quantity, unit_price, order_ts, customer_id
            from {{ source('pos', 'pos_lines') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.order_id is not distinct from earlier.order_id
            and recent.sku is not distinct from earlier.sku
            and recent.quantity is not distinct from earlier.quantity
            and recent.unit_price is not distinct from earlier.unit_price
            and recent.order_ts is not distinct from earlier.order_ts
            and recent.customer_id is not distinct from earlier.customer_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by order_id, sku, quantity, unit_price, order_ts, customer_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'calls' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select call_id, _ingested_at
        from {{ source('calls', 'calls') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.call_id, earlier._ingested_at
        from {{ source('calls', 'calls') }} as earlier
        inner join (
            select distinct call_id
            from {{ source('calls', 'calls') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.call_id is not distinct from earlier.call_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by call_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'web' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select event_id, _ingested_at
        from {{ source('web', 'web_events') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.event_id, earlier._ingested_at
        from {{ source('web', 'web_events') }} as earlier
        inner join (
            select distinct event_id
            from {{ source('web', 'web_events') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.event_id is not distinct from earlier.event_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by event_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'customers' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select source_system, source_customer_id, updated_at, _ingested_at
        from {{ source('customers', 'customer_profiles') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.source_system, earlier.source_customer_id, earlier.updated_at, earlier._ingested_at
        from {{ source('customers', 'customer_profiles') }} as earlier
        inner join (
            select distinct source_system, source_customer_id, updated_at
            from {{ source('customers', 'customer_profiles') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.source_system is not distinct from earlier.source_system
            and recent.source_customer_id is not distinct from earlier.source_customer_id
            and recent.updated_at is not distinct from earlier.updated_at
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by source_system, source_customer_id, updated_at
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'surveys' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select response_id, order_id, _ingested_at
        from {{ source('surveys', 'survey_responses') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.response_id, earlier.order_id, earlier._ingested_at
        from {{ source('surveys', 'survey_responses') }} as earlier
        inner join (
            select distinct response_id, order_id
            from {{ source('surveys', 'survey_responses') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.response_id is not distinct from earlier.response_id
            and recent.order_id is not distinct from earlier.order_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by response_id, order_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'web-orders' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select order_id, _ingested_at
        from {{ source('web-orders', 'web_orders') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.order_id, earlier._ingested_at
        from {{ source('web-orders', 'web_orders') }} as earlier
        inner join (
            select distinct order_id
            from {{ source('web-orders', 'web_orders') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.order_id is not distinct from earlier.order_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by order_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'web-order-items' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select order_id, item_number, _ingested_at
        from {{ source('web-order-items', 'web_order_items') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.order_id, earlier.item_number, earlier._ingested_at
        from {{ source('web-order-items', 'web_order_items') }} as earlier
        inner join (
            select distinct order_id, item_number
            from {{ source('web-order-items', 'web_order_items') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.order_id is not distinct from earlier.order_id
            and recent.item_number is not distinct from earlier.item_number
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by order_id, item_number
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'web-payments' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select order_id, payment_sequence, _ingested_at
        from {{ source('web-payments', 'web_payments') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.order_id, earlier.payment_sequence, earlier._ingested_at
        from {{ source('web-payments', 'web_payments') }} as earlier
        inner join (
            select distinct order_id, payment_sequence
            from {{ source('web-payments', 'web_payments') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.order_id is not distinct from earlier.order_id
            and recent.payment_sequence is not distinct from earlier.payment_sequence
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by order_id, payment_sequence
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'campaigns' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select campaign_id, _ingested_at
        from {{ source('campaigns', 'marketing_campaigns') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.campaign_id, earlier._ingested_at
        from {{ source('campaigns', 'marketing_campaigns') }} as earlier
        inner join (
            select distinct campaign_id
            from {{ source('campaigns', 'marketing_campaigns') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.campaign_id is not distinct from earlier.campaign_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by campaign_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)

    union all

    select 'campaign-members' as feed, cast(min(_ingested_at) as date) as ingest_date
    from (
        select campaign_id, source_system, source_customer_id, _ingested_at
        from {{ source('campaign-members', 'marketing_campaign_members') }}
        where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        union all
        select earlier.campaign_id, earlier.source_system, earlier.source_customer_id, earlier._ingested_at
        from {{ source('campaign-members', 'marketing_campaign_members') }} as earlier
        inner join (
            select distinct campaign_id, source_system, source_customer_id
            from {{ source('campaign-members', 'marketing_campaign_members') }}
            where _ingested_at >= cast({{ first_changed_date() }} as timestamp)
        ) as recent
            on recent.campaign_id is not distinct from earlier.campaign_id
            and recent.source_system is not distinct from earlier.source_system
            and recent.source_customer_id is not distinct from earlier.source_customer_id
        where {{ is_incremental() }} and earlier._ingested_at < cast({{ first_changed_date() }} as timestamp)
    ) as seen
    group by campaign_id, source_system, source_customer_id
    having min(_ingested_at) >= cast({{ first_changed_date() }} as timestamp)
),

first_seen_daily as (
    select feed, ingest_date, count(*) as first_rows
    from first_seen
    group by feed, ingest_date
),

landed_daily as (
    select
        feed,
        max(key_fields) as key_fields,
        ingest_date,
        count(*) as rows_landed,
        count(distinct source_file) as deliveries,
        min(business_date) as first_business_date,
        max(business_date) as last_business_date,
        sum(case when key_complete then 1 else 0 end) as key_complete_rows,
        count(identified) as identifiable_rows,
        sum(case when identified then 1 else 0 end) as identified_rows
    from landed
    group by feed, ingest_date
),

quarantined_daily as (
    select
        feed,
        ingest_date,
        sum(rows_quarantined) as rows_quarantined,
        sum(rejected_files) as rejected_files,
        count(distinct source_file) as deliveries
    from {{ ref('int_quarantine_daily') }}
    where ingest_date >= {{ first_changed_date() }}
    group by feed, ingest_date
),

joined as (
    select
        coalesce(landed_daily.feed, quarantined_daily.feed) as feed,
        coalesce(landed_daily.ingest_date, quarantined_daily.ingest_date) as ingest_date,
        landed_daily.key_fields,
        coalesce(landed_daily.rows_landed, 0) as rows_landed,
        coalesce(quarantined_daily.rows_quarantined, 0) as rows_quarantined,
        coalesce(quarantined_daily.rejected_files, 0) as rejected_files,
        greatest(coalesce(landed_daily.deliveries, 0), coalesce(quarantined_daily.deliveries, 0)) as deliveries,
        landed_daily.first_business_date,
        landed_daily.last_business_date,
        coalesce(landed_daily.key_complete_rows, 0) as key_complete_rows,
        landed_daily.identifiable_rows,
        landed_daily.identified_rows,
        coalesce(landed_daily.rows_landed - coalesce(first_seen_daily.first_rows, 0), 0) as duplicate_rows
    from landed_daily
    left join first_seen_daily
        on first_seen_daily.feed = landed_daily.feed
        and first_seen_daily.ingest_date = landed_daily.ingest_date
    full outer join quarantined_daily
        on quarantined_daily.feed = landed_daily.feed
        and quarantined_daily.ingest_date = landed_daily.ingest_date
)

select
    feed,
    ingest_date,
    cast(rows_landed as integer) as rows_landed,
    cast(rows_quarantined as integer) as rows_quarantined,
    cast(rejected_files as integer) as rejected_files,
    case when rows_landed + rows_quarantined > 0 then cast(rows_quarantined as double) / (rows_landed + rows_quarantined) end as quarantine_rate,
    cast(deliveries as integer) as deliveries,
    first_business_date,
    last_business_date,
    key_fields,
    case when rows_landed > 0 then cast(key_complete_rows as double) / rows_landed end as key_fields_complete_rate,
    case when identifiable_rows > 0 then cast(identified_rows as double) / identifiable_rows end as identified_rate,
    cast(duplicate_rows as integer) as duplicate_rows,
    case when rows_landed > 0 then cast(duplicate_rows as double) / rows_landed end as duplicate_rate,
    -- Campaigns are dated by when they run (planned ahead, delivered after), not by when their
    -- data happened: their lag says nothing about late data.
    case
        when feed not in ('campaigns', 'campaign-members') then date_diff('day', last_business_date, ingest_date)
    end as freshness_lag_days
from joined
order by feed, ingest_date
