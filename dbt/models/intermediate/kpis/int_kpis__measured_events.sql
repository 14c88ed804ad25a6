{#- Events as the KPIs count them, censoring applied (see int_kpis__coverage):
    - work begun on or after the KPI's measurable_until is censored: kept here with
      is_censored, counted in no period;
    - restricted_mean KPIs (durations): the value is capped at the buffer's quantile,
      and work still open but begun before measurable_until counts at the cap (it has
      run at least that long), so every window sees the same, fully observed measure;
    - decided_within_buffer KPIs (rates): an event counts when its outcome was known
      within the buffer, in every window alike.
    A view on DuckDB: a row's measure follows from its event and its KPI's coverage, so
    nothing needs keeping between nights; each reader computes what it reads. -#}
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with events as (
    select * from {{ ref('int_kpis__events') }}
    where person_key is not null  -- not the night's tombstones
),

coverage as (
    select * from {{ ref('int_kpis__coverage') }}
),

classified as (
    select
        events.person_key,
        events.kpi,
        events.event_id,
        events.started_at as event_at,
        events.ended_at,
        events.event_value,
        coverage.censoring,
        coverage.value_cap,
        events.started_at >= cast(coverage.measurable_until as timestamp) as is_censored,
        events.ended_at is not null
        and {{ dbt.datediff('events.started_at', 'events.ended_at', 'second') }}         <= coverage.buffer_days * 86400
            as decided_within_buffer
    from events
    inner join coverage on events.kpi = coverage.kpi
)

select
    person_key,
    kpi,
    event_id,
    event_at,
    is_censored,
    case
        when is_censored then null
        when censoring = 'restricted_mean'
            then
                case when event_value is null or event_value > value_cap then value_cap else event_value end
        else event_value
    end as numerator,
    case when is_censored then 0 else 1 end as denominator,
    -- Counted at the cap: a value at or over it, or work still open after the buffer.
    not is_censored and censoring = 'restricted_mean' and (event_value is null or event_value >= value_cap) as is_at_cap
from classified
where is_censored
    or censoring = 'restricted_mean'
    or (censoring = 'decided_within_buffer' and decided_within_buffer and event_value is not null)
