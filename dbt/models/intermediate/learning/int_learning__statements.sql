{#- Statements about the catalogue's courses, with the learner resolved and the
    activity's role in its course (an assessment's IRI starts with its course IRI). -#}
with statements as (
    select * from {{ ref('stg_lms__xapi_statements') }}
),

crosswalk as (
    select * from {{ ref('int_people__identity_crosswalk') }}
    where source_system = 'lms_xapi'
),

courses as (
    select * from {{ ref('stg_lms__courses') }}
)

select
    statements.statement_id,
    crosswalk.person_key,
    coalesce(
        crosswalk.person_key, {{ unmatched_learner_key("statements.actor_identity_type || ':' || statements.actor_identity") }}
    ) as learner_key,
    courses.course_id,
    courses.program_id,
    case
        when statements.object_id = courses.course_iri then 'course'
        when statements.object_id like '%/assessment/pre' then 'pre_assessment'
        when statements.object_id like '%/assessment/post' then 'post_assessment'
        else 'course_content'
    end as activity_role,
    statements.verb_name,
    statements.verb_id,
    statements.score_scaled,
    statements.score_raw,
    statements.score_min,
    statements.score_max,
    statements.result_success,
    statements.result_completion,
    statements.statement_at
from statements
inner join courses
    on statements.object_id = courses.course_iri
    -- a prefix match, not LIKE: an IRI may hold _ or %
        or substr(statements.object_id, 1, length(courses.course_iri) + 1) = courses.course_iri || '/'
left join crosswalk
    on statements.actor_identity_type = crosswalk.identity_type
        and statements.actor_identity = crosswalk.source_identity
where statements.actor_identity is not null
