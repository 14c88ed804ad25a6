{#- What each program's participants cost before loading: course fees per registration
    and their time at their HRIS pay as of registration (Annual_Base_Pay / (2080 x FTE)),
    a participant without HRIS record at the median pay of the program's known
    participants. A performance-support program's participants are the people who viewed
    its articles; the time they spent reading is in no extract and is not costed (its
    content costs come from program_costs.csv). One row per program anyone registered
    in. -#}

with registrations as (
    select * from {{ ref('int_learning__course_enrolments') }}
    -- a course outside every program costs no program anything; a performance-support
    -- program's participants are its viewers (below), whatever courses name it
    where registered_at is not null and program_id is not null
        and program_id not in (select aids.program_id from {{ ref('stg_config__program_aids') }} as aids)
),

person_versions as (
    select * from {{ ref('int_people__person_versions') }}
),

paid as (
    select
        registrations.*,
        person_versions.annual_base_pay / (2080.0 * nullif(person_versions.fte, 0)) as hourly_pay
    from registrations
    left join person_versions
        on registrations.person_key = person_versions.person_key
            and person_versions.valid_from <= cast(registrations.registered_at as date)
            and (person_versions.valid_to is null or person_versions.valid_to > cast(registrations.registered_at as date))
),

-- One pay per matched participant (as of their first registration in the program), so
-- someone with many courses does not weigh more in the median.
participant_pay as (
    {{ latest_by("(select * from paid where hourly_pay is not null) as known", 'program_id, learner_key', 'registered_at') }}
),

median_pay as (
    select
        program_id,
        {{ median('hourly_pay') }} as median_hourly_pay
    from participant_pay
    group by program_id
),

costs as (
    select
        paid.program_id,
        count(distinct paid.learner_key) as participants,
        sum(paid.cost_per_learner) as cost_per_learner_total,
        sum(paid.duration_hours * coalesce(paid.hourly_pay, median_pay.median_hourly_pay)) as cost_participant_time
    from paid
    left join median_pay on paid.program_id = median_pay.program_id
    group by paid.program_id
),

aid_participants as (
    select
        program_id,
        count(distinct learner_key) as participants,
        cast(0 as {{ type_double() }}) as cost_per_learner_total,
        cast(0 as {{ type_double() }}) as cost_participant_time
    from {{ ref('int_learning__program_enrolments') }}
    where delivery = 'performance_support'
    group by program_id
)

select * from costs
union all
select * from aid_participants
