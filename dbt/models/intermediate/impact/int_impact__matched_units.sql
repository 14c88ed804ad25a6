{#- The matched panel behind every impact estimate: one row per program x KPI x
    cohort x person, treated or comparison, with the person's KPI in the cohort's
    calendar windows. Built in steps, each its own model:

    - int_impact__kpi_enrolments: each person's program enrolments, per KPI.
    - int_impact__treated: a program's completers, less those whose windows overlap
      another program on the same KPI (int_impact__overlaps).
    - int_impact__cohorts: the treated people of a program who registered in the same
      week and completed in the same week (cohorts are staggered), with their pre and
      post windows cut to the KPI's data.
    - int_impact__treated_cells: each treated person's cell (job family, level and
      tenure band as of the registration week).
    - int_impact__kpi_first_starts: from when each person counts as treated on a KPI
      (contaminated_from).
    - int_impact__comparison_pool (the candidates) and int_impact__comparisons (the
      capped, deterministic draw of comparisons per cohort x cell).
    - int_impact__units and int_impact__unit_windows: the units, their teams' exposure
      to training, and their KPI in the windows.

    Two steps are tables, int_impact__treated_cells and int_impact__comparisons: the
    cohorts' cells and the draw, each read by several steps after it. The others are
    ephemeral, compiled into the query of the table after them (a table costs a dbt
    node's overhead, 50 to 150 ms a step on the medium sample), so that no chain of
    steps runs longer than five. Every step's key has a test; their logic has unit
    tests.

    Here, coarsened exact matching: stratum = cohort x job family, job level and tenure
    band (all as of the registration week). Never the level of the KPI in a window the
    difference uses: a comparison chosen for a noisy low or high pre-window value
    regresses to its mean in the post window, biasing the difference toward zero (Daw &
    Hatfield 2018); the difference removes fixed levels. A stratum needs a treated
    person and at least two comparisons (one comparison leaves no residual to estimate
    its variance); treated people in other strata are unmatched, kept and counted. -#}

with stratified as (
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
    from {{ ref('int_impact__unit_windows') }} as valued
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
