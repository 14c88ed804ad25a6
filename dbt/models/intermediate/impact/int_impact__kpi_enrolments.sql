{#- Each HRIS-matched person's program enrolments, once per KPI the program aims at:
    the treated are read from its completions (int_impact__treated), and the
    comparisons' contamination from its starts (int_impact__kpi_first_starts). -#}
{{ config(materialized='ephemeral') }}

with programs as (
    select distinct
        program_id,
        kpi
    from {{ ref('stg_config__programs') }}
)

select
    program_enrolments.program_id,
    programs.kpi,
    program_enrolments.person_key,
    program_enrolments.first_registered_at,
    program_enrolments.started_at,
    program_enrolments.is_completed,
    program_enrolments.completed_at
from {{ ref('int_learning__program_enrolments') }} as program_enrolments
inner join programs on program_enrolments.program_id = programs.program_id
where program_enrolments.person_key is not null
