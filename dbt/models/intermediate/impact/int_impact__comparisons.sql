{#- The comparisons drawn for each cohort x cell (cohort x job family x level x tenure
    band that holds a treated person): at most max_comparisons_per_cell, taken in pool
    order (draw_rank) from the cell's pool for the registration week
    (int_impact__comparison_pool), among those who qualify for the cohort's own windows.

    Comparison people had not started the program by the end of the cohort's post
    window (never- or not-yet-treated), nor any other program that targets the same KPI
    (contaminated_from, int_impact__kpi_first_starts), were employed through both
    windows (a leaver who vanished from HRIS without a date left after the last
    snapshot that showed them), and are not the cohort's own treated
    (int_impact__treated_cells). A cohort that loses more than half of a full pool to
    its own windows (people who leave or start during a long training) gets fewer than
    the cap. Beyond a few dozen comparisons per stratum the interval barely narrows. -#}

with cohort_cells as (
    select distinct
        program_id,
        kpi,
        registration_week,
        completion_week,
        pre_start,
        pre_end,
        post_start,
        post_end,
        job_family,
        job_level,
        tenure_band
    from {{ ref('int_impact__treated_cells') }}
),

ranked as (
    select
        cohort_cells.*,
        pool.person_key,
        pool.contaminated_from,
        pool.manager_person_key,
        pool.supervisory_organization,
        row_number() over (
            partition by
                cohort_cells.program_id, cohort_cells.kpi, cohort_cells.registration_week,
                cohort_cells.completion_week, cohort_cells.job_family, cohort_cells.job_level,
                cohort_cells.tenure_band
            order by pool.pool_rank
        ) as draw_rank
    from cohort_cells
    inner join {{ ref('int_impact__comparison_pool') }} as pool
        on cohort_cells.kpi = pool.kpi
            and cohort_cells.registration_week = pool.registration_week
            and cohort_cells.job_family = pool.job_family
            and cohort_cells.job_level = pool.job_level
            and cohort_cells.tenure_band = pool.tenure_band
    left join {{ ref('int_impact__treated_cells') }} as treated
        on cohort_cells.program_id = treated.program_id
            and cohort_cells.kpi = treated.kpi
            and cohort_cells.registration_week = treated.registration_week
            and cohort_cells.completion_week = treated.completion_week
            and pool.person_key = treated.person_key
    where treated.person_key is null
        and (pool.left_on is null or pool.left_on >= cohort_cells.post_end)
        and (pool.contaminated_from is null or pool.contaminated_from >= cohort_cells.post_end)
)

select * from ranked
where draw_rank <= {{ var('max_comparisons_per_cell') }}
