{#- One row per learner x program. A course program is complete when every one of its
    courses is, on the date of the last; a performance-support program
    (program_aids.csv) when the person first made meaningful use of its articles
    (int_learning__aid_adoptions), from their first view. -#}
with enrolments as (
    select * from {{ ref('int_learning__enrolments') }}
),

aid_adoptions as (
    select * from {{ ref('int_learning__aid_adoptions') }}
),

program_courses as (
    select
        courses.program_id,
        count(*) as courses_in_program
    from {{ ref('stg_lms__courses') }} as courses
    where courses.program_id not in (select aids.program_id from {{ ref('stg_config__program_aids') }} as aids)
    group by courses.program_id
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
    'course' as delivery,
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
union all
select
    learner_key,
    person_key,
    program_id,
    'performance_support' as delivery,
    first_viewed_at as first_registered_at,
    first_viewed_at as started_at,
    0 as courses_in_program,
    0 as courses_enrolled,
    0 as courses_completed,
    adopted_at is not null as is_completed,
    adopted_at as completed_at
from aid_adoptions
