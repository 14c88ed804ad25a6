{#- Free-text reaction comments, kept for qualitative reading (not published: they
    may name people). -#}
select
    course_id,
    response_id,
    submitted_at,
    comment
from {{ ref('stg_lms__surveys') }}
where comment is not null
