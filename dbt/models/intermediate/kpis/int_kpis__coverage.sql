{#- Per KPI: how far its data can be trusted.
    - as_of_date: the newest extract date of the KPI's feed, from the file ledger (never
      the max of an event timestamp: one future-dated row must not move any window).
    - buffer_days: the censoring buffer, the censoring_quantile (>= 0.95) of the time
      from an event's start to its outcome among finished events, in whole days.
    - value_cap: the same quantile of the KPI's value (restricted_mean KPIs cap at it).
    - measurable_until: work begun before it has had the buffer to finish by the as-of
      date; later work is censored, and no window may end after it. -#}
{% set q = var('censoring_quantile') %}

with catalogue as (
    select kpi, source_feed, censoring from {{ ref('kpi_catalogue') }}
    where censoring <> 'none'
),

as_of as (
    select feed, max(extract_date) as as_of_date
    from {{ ref('stg_ingest__file_ledger') }}
    where extract_date is not null
    group by feed
),

events as (
    select * from {{ ref('int_kpis__events') }}
),

finished as (
    select
        kpi,
        event_value,
        {{ dbt.datediff('started_at', 'ended_at', 'second') }} / 86400.0 as lag_days
    from events
    where ended_at is not null and ended_at >= started_at
),

buffers as (
    select
        kpi,
        cast(ceil({{ quantile('lag_days', q) }}) as {{ dbt.type_int() }}) as buffer_days,
        {{ quantile('event_value', q) }} as value_cap
    from finished
    group by kpi
),

bounded as (
    select
        catalogue.kpi,
        catalogue.censoring,
        as_of.as_of_date,
        coalesce(buffers.buffer_days, 0) as buffer_days,
        buffers.value_cap,
        cast({{ dbt.dateadd('day', '1 - coalesce(buffers.buffer_days, 0)', 'as_of.as_of_date') }} as date) as measurable_until
    from catalogue
    inner join as_of on catalogue.source_feed = as_of.feed
    left join buffers on catalogue.kpi = buffers.kpi
),

censored as (
    select events.kpi, count(*) as n_events_censored
    from events
    inner join bounded on events.kpi = bounded.kpi
    where events.started_at >= cast(bounded.measurable_until as timestamp)
    group by events.kpi
)

select bounded.*, coalesce(censored.n_events_censored, 0) as n_events_censored
from bounded
left join censored on bounded.kpi = censored.kpi
