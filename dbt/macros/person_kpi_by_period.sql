{#- Person x period x KPI: the period's numerator, denominator and value. A period
    with fewer events than the KPI's minimum has a null value, never zero. Censored
    events (work too recent to have finished) count in no period. -#}
{% macro person_kpi_by_period(period) %}
with events as (
    select * from {{ ref('int_kpis__measured_events') }}
    where not is_censored
),

catalogue as (
    select kpi, min_events_per_period from {{ ref('kpi_catalogue') }}
),

aggregated as (
    select
        person_key,
        kpi,
        cast({{ dbt.date_trunc(period, 'event_at') }} as date) as period_start,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from events
    group by person_key, kpi, cast({{ dbt.date_trunc(period, 'event_at') }} as date)
)

select
    aggregated.person_key,
    aggregated.kpi,
    '{{ period }}' as period_grain,
    aggregated.period_start,
    aggregated.numerator,
    aggregated.denominator,
    case when aggregated.denominator >= catalogue.min_events_per_period
         then aggregated.numerator / aggregated.denominator end as kpi_value
from aggregated
inner join catalogue on aggregated.kpi = catalogue.kpi
{% endmacro %}
