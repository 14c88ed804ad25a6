{#- When each team was first exposed to each program: the first completion of the
    program by someone in the team (as HRIS shows their team on the day they
    completed), per KPI the program aims at. A team is a manager's reports (team_type manager) or a
    supervisory organisation (team_type organization). Untrained people learn from
    trained teammates (De Grip & Sauermann 2012): a comparison whose team is first
    exposed during a cohort's windows would carry part of the effect into the
    comparison (int_impact__matched_units keeps them out). -#}
with programs as (
    select distinct
        program_id,
        kpi
    from {{ ref('stg_config__programs') }}
),

completions as (
    select
        programs.program_id,
        programs.kpi,
        enrolments.person_key,
        cast(enrolments.completed_at as date) as completed_on
    from {{ ref('int_learning__program_enrolments') }} as enrolments
    inner join programs on enrolments.program_id = programs.program_id
    where enrolments.is_completed and enrolments.person_key is not null
),

teams_at_completion as (
    select
        completions.program_id,
        completions.kpi,
        completions.completed_on,
        person.manager_person_key,
        person.supervisory_organization
    from completions
    inner join {{ ref('int_people__person_versions') }} as person
        on completions.person_key = person.person_key
            and completions.completed_on >= person.valid_from
            and (person.valid_to is null or completions.completed_on < person.valid_to)
)

select
    program_id,
    kpi,
    'manager' as team_type,
    manager_person_key as team_id,
    min(completed_on) as exposed_from
from teams_at_completion
where manager_person_key is not null
group by program_id, kpi, manager_person_key
union all
select
    program_id,
    kpi,
    'organization' as team_type,
    supervisory_organization as team_id,
    min(completed_on) as exposed_from
from teams_at_completion
where supervisory_organization is not null
group by program_id, kpi, supervisory_organization
