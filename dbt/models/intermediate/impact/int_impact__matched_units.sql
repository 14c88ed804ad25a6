{#- The matched panel behind every impact estimate: one row per program x KPI x
    cohort x person, treated or comparison, with the person's KPI in the cohort's
    calendar windows.

    - A cohort is the treated people of a program who registered in the same week
      and completed in the same week (cohorts are staggered).
    - Windows are whole weeks: pre = the window_days before the registration week,
      post = the window_days after the completion week, placebo = the window
      before pre (for the pre-trend check). A post window ends before the KPI's
      measurable_until (censoring, int_kpis__coverage).
    - Completers whose windows overlap another program on the same KPI are left out
      (int_impact__overlaps).
    - Comparison people had not started the program by the end of the cohort's
      post window (never- or not-yet-treated), nor any other program that targets
      the same KPI (whose effect would leak into the comparison), and were employed
      through it (a leaver who vanished from HRIS without a date left after the last
      snapshot that showed them).
    - Coarsened exact matching: stratum = job family, job level, tenure band (all
      as of the registration week) and baseline band (the ntile of the pre-window
      KPI among the cohort's candidates of the same family, level and tenure).
-#}
{% set n_weeks = ((var('window_days') | int) + 6) // 7 %}
{% set tenure = var('tenure_band_years') %}

with programs as (
    select distinct program_id, kpi from {{ ref('stg_config__programs') }}
),

program_enrolments as (
    select * from {{ ref('int_learning__program_enrolments') }}
    where person_key is not null
),

completers as (
    select
        programs.program_id,
        programs.kpi,
        program_enrolments.person_key,
        cast({{ dbt.date_trunc('week', 'program_enrolments.first_registered_at') }} as date) as registration_week,
        cast({{ dbt.date_trunc('week', 'program_enrolments.completed_at') }} as date) as completion_week
    from program_enrolments
    inner join programs on program_enrolments.program_id = programs.program_id
    where program_enrolments.is_completed
),

-- Completers whose windows overlap another program on the same KPI are nobody's treated.
treated as (
    select completers.*
    from completers
    left join {{ ref('int_impact__overlaps') }} as overlapping
        on completers.program_id = overlapping.program_id
        and completers.kpi = overlapping.kpi
        and completers.person_key = overlapping.person_key
    where overlapping.person_key is null
),

cohorts as (
    select distinct
        program_id,
        kpi,
        registration_week,
        completion_week,
        cast({{ dbt.dateadd('week', -2 * n_weeks, 'registration_week') }} as date) as placebo_start,
        cast({{ dbt.dateadd('week', -n_weeks, 'registration_week') }} as date) as pre_start,
        registration_week as pre_end,
        cast({{ dbt.dateadd('week', 1, 'completion_week') }} as date) as post_start,
        cast({{ dbt.dateadd('week', 1 + n_weeks, 'completion_week') }} as date) as post_end
    from treated
),

-- A post window must end before the KPI's work can be censored: by measurable_until,
-- the as-of date of the KPI's feed less its censoring buffer (int_kpis__coverage).
complete_cohorts as (
    select cohorts.*
    from cohorts
    inner join {{ ref('int_kpis__coverage') }} as coverage on cohorts.kpi = coverage.kpi
    where cohorts.post_end <= coverage.measurable_until
),

-- Everyone's job as of each cohort's registration week.
people_at_cohort as (
    select
        complete_cohorts.*,
        person.person_key,
        person.job_family,
        person.job_level,
        case
            {% for years in tenure %}
            when {{ dbt.datediff('person.hire_date', 'complete_cohorts.registration_week', 'day') }} < {{ years }} * 365 then '<{{ years }}y'
            {% endfor %}
            else '{{ tenure[-1] }}y+'
        end as tenure_band
    from complete_cohorts
    inner join {{ ref('dim_person') }} as person
        on person.valid_from <= complete_cohorts.registration_week
        and (person.valid_to is null or person.valid_to > complete_cohorts.registration_week)
    where person.hire_date <= complete_cohorts.pre_start
      and (person.left_on is null or person.left_on >= complete_cohorts.post_end)
),

-- People who started another program aimed at the same KPI before the end of a
-- cohort's post window: that program's effect would leak into the comparison.
trained_on_same_kpi as (
    select distinct
        people_at_cohort.program_id, people_at_cohort.kpi, people_at_cohort.registration_week,
        people_at_cohort.completion_week, people_at_cohort.person_key
    from people_at_cohort
    inner join program_enrolments as other
        on people_at_cohort.person_key = other.person_key
        and people_at_cohort.program_id <> other.program_id
        and cast(other.started_at as date) < people_at_cohort.post_end
    inner join programs as other_program
        on other.program_id = other_program.program_id
        and people_at_cohort.kpi = other_program.kpi
),

units as (
    select
        people_at_cohort.*,
        case
            when treated.person_key is not null then 'treated'
            when started.person_key is null and trained_on_same_kpi.person_key is null then 'comparison'
        end as unit_role
    from people_at_cohort
    left join treated
        on people_at_cohort.program_id = treated.program_id
        and people_at_cohort.kpi = treated.kpi
        and people_at_cohort.person_key = treated.person_key
        and people_at_cohort.registration_week = treated.registration_week
        and people_at_cohort.completion_week = treated.completion_week
    left join program_enrolments as started
        on people_at_cohort.program_id = started.program_id
        and people_at_cohort.person_key = started.person_key
        and cast(started.started_at as date) < people_at_cohort.post_end
    left join trained_on_same_kpi
        on people_at_cohort.program_id = trained_on_same_kpi.program_id
        and people_at_cohort.kpi = trained_on_same_kpi.kpi
        and people_at_cohort.registration_week = trained_on_same_kpi.registration_week
        and people_at_cohort.completion_week = trained_on_same_kpi.completion_week
        and people_at_cohort.person_key = trained_on_same_kpi.person_key
),

windowed as (
    select
        units.program_id, units.kpi, units.registration_week, units.completion_week,
        units.person_key, units.unit_role, units.job_family, units.job_level, units.tenure_band,
        sum(case when kpi.period_start >= units.placebo_start and kpi.period_start < units.pre_start then kpi.numerator end) as placebo_num,
        sum(case when kpi.period_start >= units.placebo_start and kpi.period_start < units.pre_start then kpi.denominator end) as placebo_den,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.numerator end) as pre_num,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.denominator end) as pre_den,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.numerator end) as post_num,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.denominator end) as post_den
    from units
    inner join {{ ref('fct_person_kpi_week') }} as kpi
        on units.person_key = kpi.person_key
        and units.kpi = kpi.kpi
        and kpi.period_start >= units.placebo_start
        and kpi.period_start < units.post_end
    where units.unit_role is not null
    group by
        units.program_id, units.kpi, units.registration_week, units.completion_week,
        units.person_key, units.unit_role, units.job_family, units.job_level, units.tenure_band
),

valued as (
    select
        windowed.*,
        case when placebo_den > 0 then placebo_num / placebo_den end as placebo_value,
        pre_num / pre_den as pre_value,
        post_num / post_den as post_value
    from windowed
    where pre_den > 0 and post_den > 0
),

banded as (
    select
        valued.*,
        ntile({{ var('baseline_bands') }}) over (
            partition by program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band
            order by pre_value, person_key
        ) as baseline_band
    from valued
),

stratified as (
    select
        banded.*,
        sum(case when unit_role = 'treated' then 1 else 0 end) over stratum as stratum_treated,
        sum(case when unit_role = 'comparison' then 1 else 0 end) over stratum as stratum_comparison,
        avg(case when unit_role = 'comparison' then post_value - pre_value end) over stratum as stratum_comparison_change
    from banded
    window stratum as (
        partition by program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band, baseline_band
    )
)

select
    program_id,
    kpi,
    registration_week,
    completion_week,
    person_key,
    unit_role,
    job_family,
    job_level,
    tenure_band,
    baseline_band,
    stratum_treated,
    stratum_comparison,
    -- Treated people in a stratum without comparisons cannot be matched: kept, flagged, counted.
    stratum_treated > 0 and stratum_comparison > 0 as is_matched,
    placebo_value,
    pre_value,
    post_value,
    post_value - pre_value as change_value,
    stratum_comparison_change
from stratified
