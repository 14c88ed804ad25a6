{#- Kirkpatrick level 1: reaction per course x question. -#}
select
    course_id,
    question_id,
    count(*) as responses,
    avg(cast(score as double)) as mean_score,
    sum(case when comment is not null then 1 else 0 end) as comments
from {{ ref('stg_lms__surveys') }}
group by course_id, question_id
