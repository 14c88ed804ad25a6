{#- Completers of a program who also took another program aimed at the same KPI, with
    windows that overlap: the same change in their KPI would be credited to both
    programs. They are left out of both estimates (and so of both ROIs), and counted in
    program_impact.n_treated_overlap.

    A program's span for a person runs from the start of the pre window before their
    first registration to the end of the post window after their completion; for a
    program they did not complete, to the end of a post window counted from the week
    they started it. Two spans overlap when each starts before the other ends. Only the
    difference-in-differences KPIs: int_onboarding__estimates attributes people in two
    programs on a person-grain KPI. -#}
{% set n_weeks = window_weeks() %}
{% set lead_weeks = n_weeks + anticipation_weeks() %}

with programs as (
    select distinct
        config.program_id,
        config.kpi
    from {{ ref('stg_config__programs') }} as config
    inner join {{ ref('kpi_catalogue') }} as catalogue on config.kpi = catalogue.kpi
    where catalogue.grain = 'person_week'
),

-- A performance-support program's viewers who never adopted it glanced at an article:
-- no second program in their windows (they still count as started for comparisons).
enrolments as (
    select * from {{ ref('int_learning__program_enrolments') }}
    where person_key is not null
        and (delivery = 'course' or is_completed)
),

spans as (
    select
        programs.program_id,
        programs.kpi,
        enrolments.person_key,
        enrolments.is_completed,
        cast({{ dbt.date_trunc('week', 'enrolments.first_registered_at') }} as date) as registration_week,
        cast({{ dbt.date_trunc('week', 'enrolments.completed_at') }} as date) as completion_week,
        cast({{ dbt.date_trunc('week', 'coalesce(enrolments.completed_at, enrolments.started_at)') }} as date) as last_week
    from enrolments
    inner join programs on enrolments.program_id = programs.program_id
),

bounded as (
    select
        spans.*,
        cast({{ dbt.dateadd('week', -lead_weeks, 'registration_week') }} as date) as span_start,
        cast({{ dbt.dateadd('week', 1 + n_weeks, 'last_week') }} as date) as span_end
    from spans
)

select
    this_program.program_id,
    this_program.kpi,
    this_program.person_key,
    this_program.registration_week,
    this_program.completion_week,
    count(distinct other_program.program_id) as other_programs
from bounded as this_program
inner join bounded as other_program
    on this_program.person_key = other_program.person_key
        and this_program.kpi = other_program.kpi
        and this_program.program_id <> other_program.program_id
        and this_program.span_end > other_program.span_start
        and this_program.span_start < other_program.span_end
where this_program.is_completed
group by
    this_program.program_id, this_program.kpi, this_program.person_key,
    this_program.registration_week, this_program.completion_week
