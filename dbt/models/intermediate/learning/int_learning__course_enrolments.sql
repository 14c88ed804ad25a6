{#- One row per learner x course of the catalogue, with the course's program, hours and
    per-learner cost: the registrations that programs are costed and scored on. -#}
with enrolments as (
    select * from {{ ref('int_learning__enrolments') }}
),

courses as (
    select * from {{ ref('stg_lms__courses') }}
)

select
    enrolments.learner_key,
    enrolments.person_key,
    enrolments.course_id,
    courses.program_id,
    enrolments.registered_at,
    enrolments.started_at,
    enrolments.completed_at,
    courses.duration_hours,
    courses.cost_per_learner
from enrolments
inner join courses on enrolments.course_id = courses.course_id
