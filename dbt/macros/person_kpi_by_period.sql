{#- Person x period x KPI: the period's numerator, denominator and value. A period
    with fewer events than the KPI's minimum has a null value, never zero. Censored
    events (work too recent to have finished) count in no period.

    Incremental (delete+insert on person x KPI x period): a night recomputes the keys
    - of the events int_kpis__events wrote since this model's last batch, where each
      event is now and where it was before (its previous person and start), and
    - of the events the censoring frontier let in: begun on or after the
      measurable_until this model last used (each row keeps it) and now uncensored.
    Every other period is settled: a capped value and a count add up over weeks, and
    caps and buffers are fixed catalogue values. A key left with no event is a
    tombstone until the post-hook; a change of a KPI's settings in the catalogue, or
    a rebuild of int_kpis__events, rebuilds the model (its pre-hooks). -#}
{% macro person_kpi_by_period(period) %}
{{ config(
    materialized=incremental_materialization(),
    unique_key=['person_key', 'kpi', 'period_start'],
    incremental_strategy='delete+insert',
    pre_hook=[
        "{{ rebuild_when_rebuilt(ref('int_kpis__events')) }}",
        "{{ rebuild_after_kpi_settings_change() }}",
    ],
    post_hook="{{ drop_tombstones() }}",
) }}
{%- set period_of_event = 'cast(' ~ dbt.date_trunc(period, 'measured.event_at') ~ ' as date)' -%}
with catalogue as (
    select
        kpi,
        min_events_per_period,
        {{ kpi_settings() }} as kpi_settings
    from {{ ref('kpi_catalogue') }}
),

coverage as (
    select
        kpi,
        measurable_until
    from {{ ref('int_kpis__coverage') }}
),

{% if is_incremental() %}
night as (
    select
        person_key,
        kpi,
        started_at,
        _previous_person_key,
        _previous_started_at
    from {{ ref('int_kpis__events') }}
    where _built_at > ({{ newest_in_this('_built_at') }})
),

frontier as (
    select
        kpi,
        cast(max(_measurable_until) as timestamp) as measurable_until
    from {{ this }}
    group by kpi
),

-- Every event the frontier passed since: begun on or after the measurable_until the
-- rows were computed with and before today's, whether it counts now or not (a key
-- recomputed needlessly is recomputed to what it was).
beyond_frontier as (
    select
        events.person_key,
        events.kpi,
        events.started_at
    from {{ ref('int_kpis__events') }} as events
    inner join frontier on events.kpi = frontier.kpi
    inner join coverage on events.kpi = coverage.kpi
    where events.person_key is not null
        and events.started_at >= (select min(measurable_until) from frontier)
        and events.started_at >= frontier.measurable_until
        and events.started_at < cast(coverage.measurable_until as timestamp)
),

-- Where the night's events count now, and where they counted before (an event begun
-- after a frontier counted nowhere).
moved as (
    select
        night.person_key,
        night.kpi,
        night.started_at as event_at
    from night
    inner join coverage on night.kpi = coverage.kpi
    where night.person_key is not null
        and night.started_at < cast(coverage.measurable_until as timestamp)
    union all
    select
        night._previous_person_key as person_key,
        night.kpi,
        night._previous_started_at as event_at
    from night
    inner join frontier on night.kpi = frontier.kpi
    where night._previous_person_key is not null
        and night._previous_started_at < frontier.measurable_until
    union all
    select
        person_key,
        kpi,
        started_at as event_at
    from beyond_frontier
),

touched as (
    select distinct
        measured.person_key,
        measured.kpi,
        {{ period_of_event }} as period_start
    from moved as measured
),

{% endif %}
measured as (
    select
        person_key,
        kpi,
        event_at,
        numerator,
        denominator
    from {{ ref('int_kpis__measured_events') }}
    where not is_censored
    {%- if is_incremental() %}
        -- the touched people's events only: one narrow pass over the event table
        and person_key in (select touched.person_key from touched)
    {%- endif %}
),

aggregated as (
    select
        measured.person_key,
        measured.kpi,
        {{ period_of_event }} as period_start,
        sum(measured.numerator) as numerator,
        sum(measured.denominator) as denominator
    from measured
    {%- if is_incremental() %}
    inner join touched
        on measured.person_key = touched.person_key
            and measured.kpi = touched.kpi
            and {{ period_of_event }} = touched.period_start
    {%- endif %}
    group by measured.person_key, measured.kpi, {{ period_of_event }}
)

select
    aggregated.person_key,
    aggregated.kpi,
    '{{ period }}' as period_grain,
    aggregated.period_start,
    aggregated.numerator,
    aggregated.denominator,
    case when aggregated.denominator >= catalogue.min_events_per_period
         then aggregated.numerator / aggregated.denominator end as kpi_value,
    coverage.measurable_until as _measurable_until,
    catalogue.kpi_settings as _kpi_settings,
    false as _is_tombstone,
    {{ batch_built_at() }} as _built_at
from aggregated
inner join catalogue on aggregated.kpi = catalogue.kpi
left join coverage on aggregated.kpi = coverage.kpi
{%- if is_incremental() %}
union all
select
    touched.person_key,
    touched.kpi,
    '{{ period }}' as period_grain,
    touched.period_start,
    null as numerator,
    null as denominator,
    null as kpi_value,
    null as _measurable_until,
    null as _kpi_settings,
    true as _is_tombstone,
    {{ batch_built_at() }} as _built_at
from touched
left join aggregated
    on touched.person_key = aggregated.person_key
        and touched.kpi = aggregated.kpi
        and touched.period_start = aggregated.period_start
where aggregated.kpi is null
{%- endif %}
{% endmacro %}

{#- A KPI's catalogue settings the person-period facts depend on, as one string. -#}
{% macro kpi_settings() -%}
    {{ dbt.concat([
        "coalesce(censoring, '')", "'|'",
        "coalesce(cast(value_cap as " ~ dbt.type_string() ~ "), '')", "'|'",
        "coalesce(cast(buffer_days as " ~ dbt.type_string() ~ "), '')", "'|'",
        "coalesce(cast(min_events_per_period as " ~ dbt.type_string() ~ "), '')",
    ]) }}
{%- endmacro %}

{#- Pre-hook of the person-period facts: a KPI whose catalogue settings differ from
    those its rows were computed with rebuilds the model (empty: the batch is all). -#}
{% macro rebuild_after_kpi_settings_change() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where exists (
            select 1
            from (select distinct kpi, _kpi_settings from {{ this }}) as built
            left join (select kpi, {{ kpi_settings() }} as kpi_settings from {{ ref('kpi_catalogue') }}) as catalogue
                on built.kpi = catalogue.kpi
            where not {{ same_value('built._kpi_settings', 'catalogue.kpi_settings') }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
