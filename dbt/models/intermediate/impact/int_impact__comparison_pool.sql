{#- Each cell's pool of candidate comparisons, once per registration week (not per
    cohort): the draw behind int_impact__comparisons.

    Candidates are only the people in a cell (cohort x job family x level x tenure
    band) that holds a treated person (int_impact__treated_cells), and at most
    max_comparisons_per_cell comparisons per cell. The draw is made once per cell and
    registration week: the measured people (any value of the KPI) in the cell that week
    who could qualify for one of its cohorts (hired before the pre window; neither left
    nor contaminated, int_impact__kpi_first_starts, before the earliest post window
    ends), ranked by a hash of person and week (pool_rank: the same draw every run), the
    first 2 x max_comparisons_per_cell kept as the cell's pool. The pool is at most one
    row per measured person per registration week, so the panel grows with the treated
    people's cells and with people x weeks, never with cohorts x headcount. A cell
    whose candidates all fit in its pool gives every qualifying person, as without a
    cap. -#}
{{ config(materialized='ephemeral') }}

with cell_weeks as (
    select
        kpi,
        registration_week,
        pre_start,
        job_family,
        job_level,
        tenure_band,
        min(post_end) as earliest_post_end
    from {{ ref('int_impact__treated_cells') }}
    group by kpi, registration_week, pre_start, job_family, job_level, tenure_band
),

measured_people as (
    select distinct
        person_key,
        kpi
    from {{ ref('int_kpis__person_weeks') }}
),

ranked as (
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
    left join {{ ref('int_impact__kpi_first_starts') }} as starts
        on person.person_key = starts.person_key
            and cell_weeks.kpi = starts.kpi
    where person.hire_date <= cell_weeks.pre_start
        and (person.left_on is null or person.left_on >= cell_weeks.earliest_post_end)
        and (starts.contaminated_from is null or starts.contaminated_from >= cell_weeks.earliest_post_end)
        and {{ tenure_band_case('person.hire_date', 'cell_weeks.registration_week') }} = cell_weeks.tenure_band
)

select * from ranked
where pool_rank <= 2 * {{ var('max_comparisons_per_cell') }}
