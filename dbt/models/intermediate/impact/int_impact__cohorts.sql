{#- The cohorts of each program x KPI and their calendar windows: one row per program x
    KPI x registration week x completion week that has treated people
    (int_impact__treated), with the pre and post windows it is measured over.

    - Windows are whole weeks (impact_window_columns): pre = the window_days ending
      anticipation_weeks before the registration week (a dip before nomination falls
      in that gap, not in the baseline), post = the window_days after the completion
      week.
    - A window is cut to the KPI's data (int_kpis__coverage): a post window ends by the
      week in which work can still be censored (measurable_until), a pre window starts
      no earlier than the KPI's data (data_start). A cohort whose full windows do not
      fit contributes with the weeks it has, down to min_window_weeks on each side, so
      that late and early completers count too (their units say how many weeks they
      have: pre_weeks, post_weeks). Cohorts with fewer weeks are left out. -#}
{{ config(materialized='ephemeral') }}

with cohorts as (
    select distinct
        program_id,
        kpi,
        registration_week,
        completion_week,
        {{ impact_window_columns('registration_week', 'completion_week') }}
    from {{ ref('int_impact__treated') }}
),

coverage_weeks as (
    select
        kpi,
        data_start,
        -- the end of the last whole week begun before measurable_until
        cast({{ dbt.date_trunc('week', 'measurable_until') }} as date) as measurable_week
    from {{ ref('int_kpis__coverage') }}
),

bounded_cohorts as (
    select
        cohorts.program_id,
        cohorts.kpi,
        cohorts.registration_week,
        cohorts.completion_week,
        case when cohorts.pre_start < coverage.data_start then coverage.data_start else cohorts.pre_start end as pre_start,
        cohorts.pre_end,
        cohorts.post_start,
        case when cohorts.post_end > coverage.measurable_week then coverage.measurable_week else cohorts.post_end end as post_end
    from cohorts
    inner join coverage_weeks as coverage on cohorts.kpi = coverage.kpi
)

select * from bounded_cohorts
where {{ dbt.datediff('pre_start', 'pre_end', 'day') }} >= 7 * {{ var('min_window_weeks') }}
    and {{ dbt.datediff('post_start', 'post_end', 'day') }} >= 7 * {{ var('min_window_weeks') }}
