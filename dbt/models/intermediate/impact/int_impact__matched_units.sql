{#- The matched panel behind every impact estimate: one row per program x KPI x
    cohort x person, treated or comparison, with the person's KPI in the cohort's
    calendar windows.

    - A cohort is the treated people of a program who registered in the same week
      and completed in the same week (cohorts are staggered).
    - Windows are whole weeks (impact_window_columns): pre = the window_days ending
      anticipation_weeks before the registration week (a dip before nomination falls
      in that gap, not in the baseline), post = the window_days after the completion
      week, placebo = the window before pre. A post window ends by the KPI's
      measurable_until (censoring); a placebo window starts on or after the KPI's
      data_start, else the unit has no placebo value.
    - Completers whose windows overlap another program on the same KPI are left out
      (int_impact__overlaps).
    - Comparison people had not started the program by the end of the cohort's post
      window (never- or not-yet-treated), nor any other program that targets the same
      KPI (whose effect would leak into the comparison), and were employed through
      both windows (a leaver who vanished from HRIS without a date left after the
      last snapshot that showed them). contaminated_from says when a comparison first
      started such a program (the event study stops using them there).
    - Coarsened exact matching: stratum = job family, job level, tenure band (all as
      of the registration week) and baseline band (the ntile of the pre-window KPI
      among the cohort's candidates of the same family, level and tenure). The
      placebo has its own band, on the placebo window: a baseline that is not its own
      outcome. A stratum needs a treated person and at least two comparisons (one
      comparison leaves no residual to estimate its variance); treated people in
      other strata are unmatched, kept and counted.
    - Candidates are only the people in a cell (cohort x family x level x tenure band)
      that holds a treated person, and at most max_comparisons_per_cell comparisons
      per cell, drawn by a hash of person and cohort: the panel grows with the treated
      people, not with cohorts x headcount. Bands are cut among the drawn candidates.
-#}

with programs as (
    select distinct
        program_id,
        kpi
    from {{ ref('stg_config__programs') }}
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
        {{ impact_window_columns('registration_week', 'completion_week') }}
    from treated
),

-- A post window must end before the KPI's work can be censored (measurable_until);
-- a pre window must start once the KPI's data has (data_start).
complete_cohorts as (
    select
        cohorts.*,
        cohorts.placebo_start >= coverage.data_start as placebo_in_data
    from cohorts
    inner join {{ ref('int_kpis__coverage') }} as coverage on cohorts.kpi = coverage.kpi
    where cohorts.post_end <= coverage.measurable_until
        and cohorts.pre_start >= coverage.data_start
),

-- The cells a cohort's treated people are in: job family, level and tenure band as of
-- the registration week. Only people in these cells can be matched (a stratum needs a
-- treated person), so only they become candidates: the panel grows with the treated
-- people's cells, not with every cohort x everyone.
cohort_cells as (
    select distinct
        complete_cohorts.*,
        person.job_family,
        person.job_level,
        {{ tenure_band_case('person.hire_date', 'complete_cohorts.registration_week') }} as tenure_band
    from complete_cohorts
    inner join treated
        on complete_cohorts.program_id = treated.program_id
            and complete_cohorts.kpi = treated.kpi
            and complete_cohorts.registration_week = treated.registration_week
            and complete_cohorts.completion_week = treated.completion_week
    inner join {{ ref('int_people__person_versions') }} as person
        on treated.person_key = person.person_key
            and complete_cohorts.registration_week >= person.valid_from
            and (person.valid_to is null or complete_cohorts.registration_week < person.valid_to)
),

-- Everyone in those cells as of each cohort's registration week.
people_at_cohort as (
    select
        cohort_cells.*,
        person.person_key
    from cohort_cells
    inner join {{ ref('int_people__person_versions') }} as person
        on cohort_cells.job_family = person.job_family
            and cohort_cells.job_level = person.job_level
            and cohort_cells.registration_week >= person.valid_from
            and (person.valid_to is null or cohort_cells.registration_week < person.valid_to)
    where person.hire_date <= cohort_cells.pre_start
        and (person.left_on is null or person.left_on >= cohort_cells.post_end)
        and {{ tenure_band_case('person.hire_date', 'cohort_cells.registration_week') }} = cohort_cells.tenure_band
),

-- When each person first started a program aimed at each KPI (any program).
first_start_on_kpi as (
    select
        program_enrolments.person_key,
        programs.program_id,
        programs.kpi,
        min(program_enrolments.started_at) as started_at
    from program_enrolments
    inner join programs on program_enrolments.program_id = programs.program_id
    group by program_enrolments.person_key, programs.program_id, programs.kpi
),

-- For a comparison: the first start of this program, or of another aimed at the same KPI.
contamination as (
    select
        people_at_cohort.program_id,
        people_at_cohort.kpi,
        people_at_cohort.registration_week,
        people_at_cohort.completion_week,
        people_at_cohort.person_key,
        min(cast(starts.started_at as date)) as contaminated_from
    from people_at_cohort
    inner join first_start_on_kpi as starts
        on people_at_cohort.person_key = starts.person_key
            and people_at_cohort.kpi = starts.kpi
    group by
        people_at_cohort.program_id, people_at_cohort.kpi, people_at_cohort.registration_week,
        people_at_cohort.completion_week, people_at_cohort.person_key
),

units as (
    select
        people_at_cohort.*,
        contamination.contaminated_from,
        case
            when treated.person_key is not null then 'treated'
            when contamination.contaminated_from is null
                or contamination.contaminated_from >= people_at_cohort.post_end then 'comparison'
        end as unit_role
    from people_at_cohort
    left join treated
        on people_at_cohort.program_id = treated.program_id
            and people_at_cohort.kpi = treated.kpi
            and people_at_cohort.person_key = treated.person_key
            and people_at_cohort.registration_week = treated.registration_week
            and people_at_cohort.completion_week = treated.completion_week
    left join contamination
        on people_at_cohort.program_id = contamination.program_id
            and people_at_cohort.kpi = contamination.kpi
            and people_at_cohort.registration_week = contamination.registration_week
            and people_at_cohort.completion_week = contamination.completion_week
            and people_at_cohort.person_key = contamination.person_key
),

-- People with any value of the KPI: drawn first, so the draw is not spent on people the
-- KPI never measures.
measured_people as (
    select distinct
        person_key,
        kpi
    from {{ ref('int_kpis__person_weeks') }}
),

-- Every treated person, and at most max_comparisons_per_cell comparisons per cohort x
-- job family x level x tenure band, drawn by a hash of person and cohort (the same draw
-- every run). Beyond a few dozen comparisons per stratum the interval barely narrows,
-- while the panel would grow with cohorts x headcount.
drawn_units as (
    select units.*
    from (
        select
            units.*,
            row_number() over (
                partition by
                    units.program_id, units.kpi, units.registration_week, units.completion_week,
                    units.job_family, units.job_level, units.tenure_band, units.unit_role
                order by
                    case when measured_people.person_key is null then 1 else 0 end,
                    {{ dbt.hash(dbt.concat(['units.person_key', "'|'", 'cast(units.registration_week as ' ~ dbt.type_string() ~ ')', "'|'", 'cast(units.completion_week as ' ~ dbt.type_string() ~ ')'])) }},
                    units.person_key
            ) as draw_rank
        from units
        left join measured_people
            on units.person_key = measured_people.person_key
                and units.kpi = measured_people.kpi
        where units.unit_role is not null
    ) as units
    where units.unit_role = 'treated' or units.draw_rank <= {{ var('max_comparisons_per_cell') }}
),

windowed as (
    select
        units.program_id,
        units.kpi,
        units.registration_week,
        units.completion_week,
        units.person_key,
        units.unit_role,
        units.job_family,
        units.job_level,
        units.tenure_band,
        units.contaminated_from,
        max(case when units.placebo_in_data then 1 else 0 end) as placebo_in_data,
        sum(case when kpi.period_start >= units.placebo_start and kpi.period_start < units.pre_start then kpi.numerator end) as placebo_num,
        sum(case when kpi.period_start >= units.placebo_start and kpi.period_start < units.pre_start then kpi.denominator end)
            as placebo_den,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.numerator end) as pre_num,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.denominator end) as pre_den,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.numerator end) as post_num,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.denominator end) as post_den
    from drawn_units as units
    inner join {{ ref('int_kpis__person_weeks') }} as kpi
        on units.person_key = kpi.person_key
            and units.kpi = kpi.kpi
            and units.placebo_start <= kpi.period_start
            and units.post_end > kpi.period_start
    group by
        units.program_id, units.kpi, units.registration_week, units.completion_week,
        units.person_key, units.unit_role, units.job_family, units.job_level, units.tenure_band,
        units.contaminated_from
),

valued as (
    select
        windowed.*,
        case when windowed.placebo_in_data = 1 and windowed.placebo_den > 0 then windowed.placebo_num / windowed.placebo_den end
            as placebo_value,
        windowed.pre_num / windowed.pre_den as pre_value,
        windowed.post_num / windowed.post_den as post_value
    from windowed
    where windowed.pre_den > 0 and windowed.post_den > 0
),

banded as (
    select
        valued.*,
        ntile({{ var('baseline_bands') }}) over (
            partition by
                valued.program_id,
                valued.kpi,
                valued.registration_week,
                valued.completion_week,
                valued.job_family,
                valued.job_level,
                valued.tenure_band
            order by valued.pre_value, valued.person_key
        ) as baseline_band,
        case when valued.placebo_value is not null then ntile({{ var('baseline_bands') }}) over (
                    partition by
                        valued.program_id,
                        valued.kpi,
                        valued.registration_week,
                        valued.completion_week,
                        valued.job_family,
                        valued.job_level,
                        valued.tenure_band,
                        case when valued.placebo_value is null then 0 else 1 end
                    order by valued.placebo_value, valued.person_key
                )
        end as placebo_band
    from valued
),

stratified as (
    select
        banded.*,
        sum(case when banded.unit_role = 'treated' then 1 else 0 end) over stratum as stratum_treated,
        sum(case when banded.unit_role = 'comparison' then 1 else 0 end) over stratum as stratum_comparison,
        avg(case when banded.unit_role = 'comparison' then banded.post_value - banded.pre_value end)
            over stratum
            as stratum_comparison_change
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
    placebo_band,
    contaminated_from,
    stratum_treated,
    stratum_comparison,
    -- Treated people in a stratum with fewer than two comparisons cannot be matched: kept, flagged, counted.
    stratum_treated > 0 and stratum_comparison >= 2 as is_matched,
    placebo_value,
    pre_value,
    post_value,
    post_value - pre_value as change_value,
    post_den as post_events,
    stratum_comparison_change
from stratified
