{#- The matched panel behind every impact estimate: one row per program x KPI x
    cohort x person, treated or comparison, with the person's KPI in the cohort's
    calendar windows.

    - A cohort is the treated people of a program who registered in the same week
      and completed in the same week (cohorts are staggered).
    - Windows are whole weeks (impact_window_columns): pre = the window_days ending
      anticipation_weeks before the registration week (a dip before nomination falls
      in that gap, not in the baseline), post = the window_days after the completion
      week. A post window is cut at the KPI's measurable_until (censoring) and a pre
      window at its data_start: a cohort counts with the weeks it has, at least
      min_window_weeks on each side (pre_weeks, post_weeks).
    - Completers whose windows overlap another program on the same KPI are left out
      (int_impact__overlaps).
    - Comparison people had not started the program by the end of the cohort's post
      window (never- or not-yet-treated), nor any other program that targets the same
      KPI (whose effect would leak into the comparison), and were employed through
      both windows (a leaver who vanished from HRIS without a date left after the
      last snapshot that showed them). contaminated_from says from when a comparison
      counts as treated: anticipation_weeks before it first started such a program (the
      dip before its own nomination); the event study stops using them there.
    - Coarsened exact matching: stratum = cohort x job family, job level and tenure
      band (all as of the registration week). Never the level of the KPI in a window
      the difference uses: a comparison chosen for a noisy low or high pre-window
      value regresses to its mean in the post window, biasing the difference toward
      zero (Daw & Hatfield 2018); the difference removes fixed levels. A stratum needs
      a treated person and at least two comparisons (one comparison leaves no residual
      to estimate its variance); treated people in other strata are unmatched, kept
      and counted.
    - Candidates are only the people in a cell (cohort x family x level x tenure band)
      that holds a treated person, and at most max_comparisons_per_cell comparisons
      per cell. The draw is made once per cell and registration week, not per cohort:
      the measured people in the cell that week who could qualify for one of its
      cohorts, ranked by a hash of person and week (the same draw every run), the
      first 2 x max_comparisons_per_cell kept as the cell's pool; each cohort takes the
      first of the pool who qualify for its own windows. So the panel grows with the
      treated people's cells and with people x weeks, never with cohorts x headcount.
      A cell whose candidates all fit in its pool gives every qualifying person, as
      without a cap; a cohort that loses more than half of a full pool to its own
      windows (people who leave or start during a long training) gets fewer than the
      cap.
-#}

{#- A cell of a cohort: the cohort, its windows and the treated person's job family,
    level and tenure band. Every unit carries these, in this order (the union below is
    positional). -#}
{%- set cell_columns = [
    'program_id', 'kpi', 'registration_week', 'completion_week',
    'pre_start', 'pre_end', 'post_start', 'post_end',
    'job_family', 'job_level', 'tenure_band',
] %}

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

-- A window is cut to the KPI's data: a post window ends by the week in which work can
-- still be censored (measurable_until), a pre window starts no earlier than the KPI's
-- data (data_start). A cohort whose full windows do not fit contributes with the weeks
-- it has, down to min_window_weeks on each side, so that late and early completers
-- count too (their units say how many weeks they have).
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
),

complete_cohorts as (
    select * from bounded_cohorts
    where {{ dbt.datediff('pre_start', 'pre_end', 'day') }} >= 7 * {{ var('min_window_weeks') }}
        and {{ dbt.datediff('post_start', 'post_end', 'day') }} >= 7 * {{ var('min_window_weeks') }}
),

-- Each treated person's cell as of the registration week: job family, level and tenure
-- band. Only people in these cells can be matched (a stratum needs a treated person), so
-- only they become candidates.
treated_at_cohort as (
    select
        complete_cohorts.*,
        treated.person_key,
        person.job_family,
        person.job_level,
        person.manager_person_key,
        person.supervisory_organization,
        {{ tenure_band_case('person.hire_date', 'complete_cohorts.registration_week') }} as tenure_band,
        person.hire_date <= complete_cohorts.pre_start
        and (person.left_on is null or person.left_on >= complete_cohorts.post_end) as is_employed_through
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

cohort_cells as (
    select distinct
        {{ cell_columns | join(',\n        ') }}
    from treated_at_cohort
),

-- From when each person's KPI carries a program aimed at it: anticipation_weeks before
-- they first started one (people are nominated after a bad spell, and a comparison in
-- the dip before its own nomination would make the trained look better: the
-- not-yet-treated must stay untreated through the anticipation gap, as in Callaway &
-- Sant'Anna). A comparison must not be contaminated before the end of the cohort's post
-- window; the event study stops using a comparison from there.
first_start_on_kpi as (
    select
        program_enrolments.person_key,
        programs.kpi,
        cast(
            {{ dbt.dateadd('week', -anticipation_weeks(), 'min(cast(program_enrolments.started_at as date))') }} as date
        ) as contaminated_from
    from program_enrolments
    inner join programs on program_enrolments.program_id = programs.program_id
    group by program_enrolments.person_key, programs.kpi
),

-- People with any value of the KPI: the only ones worth drawing.
measured_people as (
    select distinct
        person_key,
        kpi
    from {{ ref('int_kpis__person_weeks') }}
),

-- A cell's comparison pool, once per registration week (not per cohort): the measured
-- people in the cell that week who could qualify for one of its cohorts (hired before
-- the pre window; neither left nor started on the KPI before the earliest post window
-- ends), ranked by a hash of person and week (the same draw every run). Only the first
-- 2 x max_comparisons_per_cell are kept; each cohort then draws from its cell's pool.
-- The pool is at most one row per measured person per registration week, so the panel
-- grows with people x weeks and with the treated people's cells, never with cohorts x
-- headcount.
cell_weeks as (
    select
        kpi,
        registration_week,
        pre_start,
        job_family,
        job_level,
        tenure_band,
        min(post_end) as earliest_post_end
    from cohort_cells
    group by kpi, registration_week, pre_start, job_family, job_level, tenure_band
),

-- When each team (manager or supervisory organisation) was first exposed to each
-- program: a comparison whose team, as of the registration week, is exposed during the
-- windows learns from trained teammates (its exposure_change).
exposures as (
    select * from {{ ref('int_impact__team_exposures') }}
),

-- When each team was first exposed to another program aimed at the same KPI: its
-- trained members' spillover reaches a unit whatever program the unit is measured for,
-- treated or comparison (did_estimate adjusts for it as a second regressor).
programs_on_kpi as (
    select distinct
        program_id,
        kpi
    from exposures
),

other_exposures as (
    select
        programs_on_kpi.program_id,
        other_program.kpi,
        other_program.team_type,
        other_program.team_id,
        min(other_program.exposed_from) as exposed_from
    from programs_on_kpi
    inner join exposures as other_program
        on programs_on_kpi.kpi = other_program.kpi
            and programs_on_kpi.program_id <> other_program.program_id
    group by programs_on_kpi.program_id, other_program.kpi, other_program.team_type, other_program.team_id
),

comparison_pool as (
    select ranked.*
    from (
        select
            cell_weeks.kpi,
            cell_weeks.registration_week,
            cell_weeks.job_family,
            cell_weeks.job_level,
            cell_weeks.tenure_band,
            person.person_key,
            person.left_on,
            starts.contaminated_from,
            person.manager_person_key,
            person.supervisory_organization,
            row_number() over (
                partition by
                    cell_weeks.kpi, cell_weeks.registration_week,
                    cell_weeks.job_family, cell_weeks.job_level, cell_weeks.tenure_band
                order by
                    {{ dbt.hash(dbt.concat(['person.person_key', "'|'", 'cast(cell_weeks.registration_week as ' ~ dbt.type_string() ~ ')'])) }},
                    person.person_key
            ) as pool_rank
        from cell_weeks
        inner join {{ ref('int_people__person_versions') }} as person
            on cell_weeks.job_family = person.job_family
                and cell_weeks.job_level = person.job_level
                and cell_weeks.registration_week >= person.valid_from
                and (person.valid_to is null or cell_weeks.registration_week < person.valid_to)
        inner join measured_people
            on person.person_key = measured_people.person_key
                and cell_weeks.kpi = measured_people.kpi
        left join first_start_on_kpi as starts
            on person.person_key = starts.person_key
                and cell_weeks.kpi = starts.kpi
        where person.hire_date <= cell_weeks.pre_start
            and (person.left_on is null or person.left_on >= cell_weeks.earliest_post_end)
            and (starts.contaminated_from is null or starts.contaminated_from >= cell_weeks.earliest_post_end)
            and {{ tenure_band_case('person.hire_date', 'cell_weeks.registration_week') }} = cell_weeks.tenure_band
    ) as ranked
    where ranked.pool_rank <= 2 * {{ var('max_comparisons_per_cell') }}
),

-- Every treated person employed through both windows, and at most
-- max_comparisons_per_cell comparisons per cohort x cell: the first in the pool who were
-- employed through both windows (a leaver who vanished from HRIS without a date left
-- after the last snapshot that showed them) and had not started by the end of the post
-- window. Beyond a few dozen comparisons per stratum the interval barely narrows.
comparisons as (
    select ranked.*
    from (
        select
            cohort_cells.*,
            pool.person_key,
            pool.contaminated_from,
            pool.manager_person_key,
            pool.supervisory_organization,
            least(by_manager.exposed_from, by_organization.exposed_from) as team_exposed_from,
            row_number() over (
                partition by
                    cohort_cells.program_id, cohort_cells.kpi, cohort_cells.registration_week,
                    cohort_cells.completion_week, cohort_cells.job_family, cohort_cells.job_level,
                    cohort_cells.tenure_band
                order by pool.pool_rank
            ) as draw_rank
        from cohort_cells
        inner join comparison_pool as pool
            on cohort_cells.kpi = pool.kpi
                and cohort_cells.registration_week = pool.registration_week
                and cohort_cells.job_family = pool.job_family
                and cohort_cells.job_level = pool.job_level
                and cohort_cells.tenure_band = pool.tenure_band
        left join treated
            on cohort_cells.program_id = treated.program_id
                and cohort_cells.kpi = treated.kpi
                and cohort_cells.registration_week = treated.registration_week
                and cohort_cells.completion_week = treated.completion_week
                and pool.person_key = treated.person_key
        left join exposures as by_manager
            on cohort_cells.program_id = by_manager.program_id
                and cohort_cells.kpi = by_manager.kpi
                and by_manager.team_type = 'manager'
                and pool.manager_person_key = by_manager.team_id
        left join exposures as by_organization
            on cohort_cells.program_id = by_organization.program_id
                and cohort_cells.kpi = by_organization.kpi
                and by_organization.team_type = 'organization'
                and pool.supervisory_organization = by_organization.team_id
        where treated.person_key is null
            and (pool.left_on is null or pool.left_on >= cohort_cells.post_end)
            and (pool.contaminated_from is null or pool.contaminated_from >= cohort_cells.post_end)
    ) as ranked
    where ranked.draw_rank <= {{ var('max_comparisons_per_cell') }}
),

drawn_units as (
    select
        treated_at_cohort.{{ cell_columns | join(',\n        treated_at_cohort.') }},
        treated_at_cohort.person_key,
        starts.contaminated_from,
        treated_at_cohort.manager_person_key,
        treated_at_cohort.supervisory_organization,
        cast(null as date) as team_exposed_from,
        'treated' as unit_role
    from treated_at_cohort
    left join first_start_on_kpi as starts
        on treated_at_cohort.person_key = starts.person_key
            and treated_at_cohort.kpi = starts.kpi
    where treated_at_cohort.is_employed_through
    union all
    select
        {{ cell_columns | join(',\n        ') }},
        person_key,
        contaminated_from,
        manager_person_key,
        supervisory_organization,
        team_exposed_from,
        'comparison' as unit_role
    from comparisons
),

-- Each unit's sums over its windows. The range join yields one row per unit and week of
-- its span; it is grouped by a compact unit number (not by the unit's ten columns), then
-- joined back to the unit. Every unit, treated or comparison, carries when its team was
-- first exposed to the KPI's other programs.
numbered_units as (
    select
        drawn_units.*,
        least(other_by_manager.exposed_from, other_by_organization.exposed_from) as other_team_exposed_from,
        row_number() over (
            order by
                drawn_units.program_id, drawn_units.kpi, drawn_units.registration_week,
                drawn_units.completion_week, drawn_units.person_key, drawn_units.unit_role
        ) as unit_number
    from drawn_units
    left join other_exposures as other_by_manager
        on drawn_units.program_id = other_by_manager.program_id
            and drawn_units.kpi = other_by_manager.kpi
            and other_by_manager.team_type = 'manager'
            and drawn_units.manager_person_key = other_by_manager.team_id
    left join other_exposures as other_by_organization
        on drawn_units.program_id = other_by_organization.program_id
            and drawn_units.kpi = other_by_organization.kpi
            and other_by_organization.team_type = 'organization'
            and drawn_units.supervisory_organization = other_by_organization.team_id
),

window_sums as (
    select
        units.unit_number,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.numerator end) as pre_num,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.denominator end) as pre_den,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.numerator end) as post_num,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.denominator end) as post_den
    from numbered_units as units
    inner join {{ ref('int_kpis__person_weeks') }} as kpi
        on units.person_key = kpi.person_key
            and units.kpi = kpi.kpi
            and units.pre_start <= kpi.period_start
            and units.post_end > kpi.period_start
    group by units.unit_number
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
        {{ dbt.datediff('units.pre_start', 'units.pre_end', 'day') }} / 7 as pre_weeks,
        {{ dbt.datediff('units.post_start', 'units.post_end', 'day') }} / 7 as post_weeks,
        -- The shares of each window after a comparison's team was first exposed to the
        -- program (none for the treated): exposure_change, below, is what a teammate's
        -- spillover is proportional to (did_estimate adjusts for it).
        units.team_exposed_from,
        {{ exposed_share('units.team_exposed_from', 'units.pre_start', 'units.pre_end') }} as pre_exposed_share,
        {{ exposed_share('units.team_exposed_from', 'units.post_start', 'units.post_end') }} as post_exposed_share,
        units.other_team_exposed_from,
        {{ exposed_share('units.other_team_exposed_from', 'units.pre_start', 'units.pre_end') }} as pre_other_exposed_share,
        {{ exposed_share('units.other_team_exposed_from', 'units.post_start', 'units.post_end') }} as post_other_exposed_share,
        window_sums.pre_num,
        window_sums.pre_den,
        window_sums.post_num,
        window_sums.post_den
    from numbered_units as units
    inner join window_sums on units.unit_number = window_sums.unit_number
),

valued as (
    select
        windowed.*,
        windowed.post_exposed_share - windowed.pre_exposed_share as exposure_change,
        windowed.post_other_exposed_share - windowed.pre_other_exposed_share as other_exposure_change,
        windowed.pre_num / windowed.pre_den as pre_value,
        windowed.post_num / windowed.post_den as post_value
    from windowed
    where windowed.pre_den > 0 and windowed.post_den > 0
),

stratified as (
    select
        valued.*,
        sum(case when valued.unit_role = 'treated' then 1 else 0 end) over stratum as stratum_treated,
        sum(case when valued.unit_role = 'comparison' then 1 else 0 end) over stratum as stratum_comparison,
        avg(case when valued.unit_role = 'comparison' then valued.post_value - valued.pre_value end)
            over stratum
            as stratum_comparison_change,
        avg(case when valued.unit_role = 'comparison' then valued.exposure_change end) over stratum
            as stratum_comparison_exposure,
        avg(case when valued.unit_role = 'comparison' then valued.other_exposure_change end) over stratum
            as stratum_comparison_other_exposure
    from valued
    window stratum as (
        partition by program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band
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
    contaminated_from,
    stratum_treated,
    stratum_comparison,
    -- Treated people in a stratum with fewer than two comparisons cannot be matched: kept, flagged, counted.
    stratum_treated > 0 and stratum_comparison >= 2 as is_matched,
    pre_value,
    post_value,
    post_value - pre_value as change_value,
    post_den as post_events,
    pre_weeks,
    post_weeks,
    team_exposed_from,
    pre_exposed_share,
    exposure_change,
    other_team_exposed_from,
    pre_other_exposed_share,
    other_exposure_change,
    stratum_comparison_change,
    stratum_comparison_exposure,
    stratum_comparison_other_exposure
from stratified
