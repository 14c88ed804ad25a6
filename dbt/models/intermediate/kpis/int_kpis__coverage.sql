{#- Per KPI: how far its data can be trusted.
    - as_of_date: the newest extract date of the KPI's feed, from the file ledger (never
      the max of an event timestamp: one future-dated row must not move any window).
    - buffer_days and value_cap: the KPI's censoring buffer and (restricted_mean KPIs)
      the cap of each event's value, fixed values of the KPI catalogue. They are never
      recomputed from the data: the estimand is one fixed thing ("mean resolution
      time, each ticket capped at 240 h") whatever the night's extracts hold, and a
      sum of capped values adds up over weeks. Changing one is a catalogue change
      and a full rebuild.
    - measurable_until: work begun before it has had the buffer to finish by the as-of
      date; later work is censored, and no window may end after it.
    - data_start: the first full week the feed's extracts cover: an incremental feed's
      first file covers about one delivery interval (the median gap between its
      extract dates) before its extract date, and work begun earlier is only seen when
      it was still open then. Also no earlier than the first week whose number of
      people with events reaches half the KPI's median weekly number, so that a stray
      old row moves nothing. No window may start before it. -#}
with catalogue as (
    select
        kpi,
        source_feed,
        censoring,
        cast(buffer_days as {{ dbt.type_int() }}) as buffer_days,
        cast(value_cap as {{ type_double() }}) as value_cap
    from {{ ref('kpi_catalogue') }}
    where censoring <> 'none'
),

as_of as (
    select
        feed,
        max(extract_date) as as_of_date
    from {{ ref('stg_ingest__file_ledger') }}
    where extract_date is not null
    group by feed
),

events as (
    select
        person_key,
        kpi,
        started_at
    from {{ ref('int_kpis__events') }}
    where person_key is not null  -- not the night's tombstones
),

deliveries as (
    select
        feed,
        extract_date,
        {{ dbt.datediff('lag(extract_date) over (partition by feed order by extract_date)', 'extract_date', 'day') }}             as gap_days
    from (
        select distinct
            feed,
            extract_date
        from {{ ref('stg_ingest__file_ledger') }}
        where extract_date is not null
    ) as dates
),

first_covered as (
    select
        feed,
        cast({{ dbt.dateadd('day', '-cast(' ~ median('gap_days') ~ ' as ' ~ dbt.type_int() ~ ')', 'min(extract_date)') }} as date)
            as covered_from
    from deliveries
    group by feed
),

bounded as (
    select
        catalogue.kpi,
        catalogue.censoring,
        as_of.as_of_date,
        first_covered.covered_from,
        coalesce(catalogue.buffer_days, 0) as buffer_days,
        catalogue.value_cap,
        cast({{ dbt.dateadd('day', '1 - coalesce(catalogue.buffer_days, 0)', 'as_of.as_of_date') }} as date) as measurable_until
    from catalogue
    inner join as_of on catalogue.source_feed = as_of.feed
    left join first_covered on catalogue.source_feed = first_covered.feed
),

weekly_people as (
    select
        kpi,
        cast({{ dbt.date_trunc('week', 'started_at') }} as date) as week_start,
        count(distinct person_key) as people
    from events
    group by kpi, cast({{ dbt.date_trunc('week', 'started_at') }} as date)
),

typical as (
    select
        kpi,
        {{ median('people') }} as median_people
    from weekly_people
    group by kpi
),

starts as (
    select
        weekly_people.kpi,
        min(weekly_people.week_start) as data_start
    from weekly_people
    inner join typical on weekly_people.kpi = typical.kpi
    where weekly_people.people >= 0.5 * typical.median_people
    group by weekly_people.kpi
),

censored as (
    select
        events.kpi,
        count(*) as n_events_censored
    from events
    inner join bounded on events.kpi = bounded.kpi
    where events.started_at >= cast(bounded.measurable_until as timestamp)
    group by events.kpi
)

select
    bounded.*,
    case
        when bounded.covered_from is null or starts.data_start >= bounded.covered_from then starts.data_start
        -- the first Monday on or after the first covered day
        else cast({{ dbt.dateadd('day', 7, dbt.date_trunc('week', dbt.dateadd('day', -1, 'bounded.covered_from'))) }} as date)
    end as data_start,
    coalesce(censored.n_events_censored, 0) as n_events_censored
from bounded
left join starts on bounded.kpi = starts.kpi
left join censored on bounded.kpi = censored.kpi
