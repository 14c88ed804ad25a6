{#- The scorecard's first levels per program: activity (enrolments, completions, hours:
    activity, not impact), reaction (Kirkpatrick level 1, the course surveys) and
    learning (level 2, the assessments), unsuppressed: program_scorecard hides a figure
    from too few people. One row per program in programs.csv. -#}

with programs as (
    select
        program_id,
        max(program_name) as program_name
    from {{ ref('stg_config__programs') }}
    group by program_id
),

courses as (
    select * from {{ ref('stg_lms__courses') }}
),

course_enrolments as (
    select * from {{ ref('int_learning__course_enrolments') }}
),

program_enrolments as (
    select * from {{ ref('int_learning__program_enrolments') }}
),

surveys as (
    select * from {{ ref('stg_lms__surveys') }}
),

assessments as (
    select * from {{ ref('int_learning__assessments') }}
),

activity as (
    select
        program_id,
        count(distinct learner_key) as learners_enrolled,
        sum(case when completed_at is not null then duration_hours else 0 end) as learning_hours,
        sum(case when completed_at is not null then 1 else 0 end) as course_completions
    from course_enrolments
    group by program_id
),

program_completion as (
    select
        program_id,
        count(distinct learner_key) as learners,
        sum(case when is_completed then 1 else 0 end) as learners_completed,
        cast(sum(case when is_completed then 1 else 0 end) as {{ type_double() }}) / count(*) as completion_rate
    from program_enrolments
    group by program_id
),

reaction as (
    select
        courses.program_id,
        avg(cast(surveys.score as {{ type_double() }})) as reaction_mean,
        count(distinct surveys.response_id) as reaction_responses,
        count(distinct surveys.respondent_email) as reaction_respondents
    from surveys
    inner join courses on surveys.course_id = courses.course_id
    group by courses.program_id
),

learning as (
    select
        courses.program_id,
        avg(assessments.pre_score) as mean_pre_score,
        avg(assessments.post_score) as mean_post_score,
        avg(assessments.score_gain) as mean_score_gain,
        avg(case when assessments.passed then {{ double_literal('1.0') }} when assessments.passed = false then {{ double_literal('0.0') }} end) as pass_rate,
        count(distinct assessments.learner_key) as people_assessed
    from assessments
    inner join courses on assessments.course_id = courses.course_id
    group by courses.program_id
),

assembled as (
    select
        programs.program_id,
        programs.program_name,
        -- a performance-support program's learners are the people who viewed its articles
        coalesce(activity.learners_enrolled, program_completion.learners, 0) as learners_enrolled,
        coalesce(program_completion.learners_completed, 0) as learners_completed,
        program_completion.completion_rate,
        coalesce(activity.learning_hours, 0) as learning_hours,
        reaction.reaction_mean,
        coalesce(reaction.reaction_responses, 0) as reaction_responses,
        coalesce(reaction.reaction_respondents, 0) as reaction_respondents,
        case when activity.course_completions > 0
                then cast(coalesce(reaction.reaction_responses, 0) as {{ type_double() }}) / activity.course_completions
        end as reaction_response_rate,
        learning.mean_pre_score,
        learning.mean_post_score,
        learning.mean_score_gain,
        learning.pass_rate,
        coalesce(learning.people_assessed, 0) as people_assessed
    from programs
    left join activity on programs.program_id = activity.program_id
    left join program_completion on programs.program_id = program_completion.program_id
    left join reaction on programs.program_id = reaction.program_id
    left join learning on programs.program_id = learning.program_id
)

select * from assembled
