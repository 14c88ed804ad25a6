{#- Where each program's KPI stands now for the whole target job family: the KPI over
    the last full window of measurable weeks (int_kpis__coverage), across everyone in
    the family then. A trained group's own post-window mean is not used: it mixes the
    program's effect with everything else. One row per program x KPI the data measures. -#}
{%- set n_weeks = window_weeks() -%}

with config as (
    select * from {{ ref('stg_config__programs') }}
),

coverage as (
    select * from {{ ref('int_kpis__coverage') }}
),

person_weeks as (
    select * from {{ ref('int_kpis__person_weeks') }}
),

person_versions as (
    select * from {{ ref('int_people__person_versions') }}
),

family_now as (
    select
        config.program_id,
        config.kpi,
        sum(person_weeks.numerator) / nullif(sum(person_weeks.denominator), 0) as current_value,
        count(distinct person_weeks.person_key) as current_people
    from config
    inner join coverage on config.kpi = coverage.kpi
    inner join person_weeks
        on config.kpi = person_weeks.kpi
            and person_weeks.period_start >= cast({{ dbt.dateadd('week', -n_weeks, 'coverage.measurable_until') }} as date)
            and {{ dbt.dateadd('day', 7, 'person_weeks.period_start') }} <= coverage.measurable_until
    inner join person_versions
        on person_weeks.person_key = person_versions.person_key
            and config.target_job_family = person_versions.job_family
            and person_weeks.period_start >= person_versions.valid_from
            and (person_versions.valid_to is null or person_weeks.period_start < person_versions.valid_to)
    group by config.program_id, config.kpi
)

select * from family_now
