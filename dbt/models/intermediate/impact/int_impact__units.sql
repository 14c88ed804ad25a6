{#- The units of the matched panel, before their KPI values: every treated person
    employed through both windows (int_impact__treated_cells) and the comparisons drawn
    for their cohort x cell (int_impact__comparisons), one row per program x KPI x
    cohort x person, with when the unit's team (manager or supervisory organisation, as
    of the registration week; int_impact__team_exposures) was first exposed:

    - team_exposed_from (comparisons only): to the program itself. A comparison whose
      team is exposed during the windows learns from trained teammates (its
      exposure_change, int_impact__unit_windows).
    - other_team_exposed_from (every unit, treated or comparison): to another program
      aimed at the same KPI, whose trained members' spillover reaches a unit whatever
      program the unit is measured for (did_estimate adjusts for it as a second
      regressor). -#}
{{ config(materialized='ephemeral') }}

{#- A cell of a cohort: the cohort, its windows and the treated person's job family,
    level and tenure band. Every unit carries these, in this order (the union below is
    positional). -#}
{%- set cell_columns = [
    'program_id', 'kpi', 'registration_week', 'completion_week',
    'pre_start', 'pre_end', 'post_start', 'post_end',
    'job_family', 'job_level', 'tenure_band',
] %}

with drawn_units as (
    select
        treated.{{ cell_columns | join(',\n        treated.') }},
        treated.person_key,
        starts.contaminated_from,
        treated.manager_person_key,
        treated.supervisory_organization,
        'treated' as unit_role
    from {{ ref('int_impact__treated_cells') }} as treated
    left join {{ ref('int_impact__kpi_first_starts') }} as starts
        on treated.person_key = starts.person_key
            and treated.kpi = starts.kpi
    where treated.is_employed_through
    union all
    select
        {{ cell_columns | join(',\n        ') }},
        person_key,
        contaminated_from,
        manager_person_key,
        supervisory_organization,
        'comparison' as unit_role
    from {{ ref('int_impact__comparisons') }}
),

exposures as (
    select * from {{ ref('int_impact__team_exposures') }}
),

programs_on_kpi as (
    select distinct
        program_id,
        kpi
    from exposures
),

-- When each team was first exposed to another program aimed at the same KPI.
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
)

select
    drawn_units.*,
    case
        when drawn_units.unit_role = 'comparison' then least(by_manager.exposed_from, by_organization.exposed_from)
    end as team_exposed_from,
    least(other_by_manager.exposed_from, other_by_organization.exposed_from) as other_team_exposed_from
from drawn_units
left join exposures as by_manager
    on drawn_units.program_id = by_manager.program_id
        and drawn_units.kpi = by_manager.kpi
        and by_manager.team_type = 'manager'
        and drawn_units.manager_person_key = by_manager.team_id
left join exposures as by_organization
    on drawn_units.program_id = by_organization.program_id
        and drawn_units.kpi = by_organization.kpi
        and by_organization.team_type = 'organization'
        and drawn_units.supervisory_organization = by_organization.team_id
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
