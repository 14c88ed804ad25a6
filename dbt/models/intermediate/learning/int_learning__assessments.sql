{#- Kirkpatrick level 2: pre and post assessment scores per learner x course, on a
    0-100 scale (scaled score x 100, else raw rescaled by min/max). -#}
with scored as (
    select
        learner_key,
        person_key,
        course_id,
        activity_role,
        statement_at,
        verb_name,
        result_success,
        coalesce(
            score_scaled * 100,
            case when score_max > coalesce(score_min, 0)
                    then (score_raw - coalesce(score_min, 0)) * 100.0 / (score_max - coalesce(score_min, 0))
            end
        ) as score
    from {{ ref('int_learning__statements') }}
    where activity_role in ('pre_assessment', 'post_assessment')
),

first_pre as (
    {{ latest_by("(select * from scored where activity_role = 'pre_assessment' and score is not null) as pre", 'learner_key, course_id', 'statement_at') }}
),

last_post as (
    {{ latest_by("(select * from scored where activity_role = 'post_assessment' and score is not null) as post", 'learner_key, course_id', 'statement_at desc') }}
)

select
    coalesce(first_pre.learner_key, last_post.learner_key) as learner_key,
    coalesce(first_pre.person_key, last_post.person_key) as person_key,
    coalesce(first_pre.course_id, last_post.course_id) as course_id,
    first_pre.score as pre_score,
    last_post.score as post_score,
    last_post.score - first_pre.score as score_gain,
    case
        when last_post.verb_name = 'passed' then true
        when last_post.verb_name = 'failed' then false
        else last_post.result_success
    end as passed
from first_pre
full outer join last_post
    on first_pre.learner_key = last_post.learner_key and first_pre.course_id = last_post.course_id
