{#- One row per learner x program. A program is complete when every one of its
    courses is; its completion date is that of the last course. -#}
with enrolments as (
    select * from {{ ref('int_learning__enrolments') }}
),

program_courses as (
    select
        program_id,
        count(*) as courses_in_program
    from {{ ref('stg_lms__courses') }}
    group by program_id
),

per_program as (
    select
        learner_key,
        max(person_key) as person_key,
        program_id,
        min(registered_at) as first_registered_at,
        min(coalesce(started_at, registered_at)) as started_at,
        max(completed_at) as last_completed_at,
        count(*) as courses_enrolled,
        sum(case when completed_at is not null then 1 else 0 end) as courses_completed
    from enrolments
    group by learner_key, program_id
)

select
    per_program.learner_key,
    per_program.person_key,
    per_program.program_id,
    per_program.first_registered_at,
    per_program.started_at,
    program_courses.courses_in_program,
    per_program.courses_enrolled,
    per_program.courses_completed,
    per_program.courses_completed = program_courses.courses_in_program as is_completed,
    case when per_program.courses_completed = program_courses.courses_in_program
            then per_program.last_completed_at
    end as completed_at
from per_program
inner join program_courses on per_program.program_id = program_courses.program_id
