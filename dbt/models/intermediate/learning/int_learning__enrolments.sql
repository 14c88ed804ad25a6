{#- One row per learner x course: when they registered, started and completed. -#}
with statements as (
    select * from {{ ref('int_learning__statements') }}
)

select
    learner_key,
    max(person_key) as person_key,
    course_id,
    max(program_id) as program_id,
    coalesce(
        min(case when verb_name = 'registered' then statement_at end),
        min(statement_at)
    ) as registered_at,
    min(case when verb_name in ('launched', 'initialized', 'attempted', 'experienced', 'progressed') then statement_at end) as started_at,
    min(case when activity_role = 'course' and (verb_name in ('completed', 'passed') or result_completion) then statement_at end)
        as completed_at
from statements
group by learner_key, course_id
