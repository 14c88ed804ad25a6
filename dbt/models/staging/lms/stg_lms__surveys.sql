{#- One answer per response x question; a re-sent answer replaces the earlier one. -#}
with answers as (
    {{ latest_by(source('lms', 'surveys'), 'response_id, question_id', 'submitted_at desc, _extract_date desc, _record_number desc') }}
)

select
    trim(response_id) as response_id,
    trim(question_id) as question_id,
    {{ normalise_email('respondent_email') }} as respondent_email,
    trim(course_id) as course_id,
    submitted_at,
    score,
    nullif(trim(comment), '') as comment
from answers
-- An out-of-range score is dropped; a comment-only answer (no score) is kept.
where score is null or score between 1 and 5
