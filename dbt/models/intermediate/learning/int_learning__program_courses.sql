{#- Per program: its courses in the catalogue, their hours and their fixed costs (what a
    program costs before anyone registers). -#}
select
    program_id,
    count(*) as courses,
    sum(duration_hours) as course_hours,
    sum(fixed_cost) as fixed_cost
from {{ ref('stg_lms__courses') }}
where program_id is not null
group by program_id
