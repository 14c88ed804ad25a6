with latest as (
    {{ latest_snapshot(source('lms', 'courses')) }}
)

select
    trim(course_id) as course_id,
    trim(course_iri) as course_iri,
    title as course_title,
    nullif(trim(program_id), '') as program_id,
    lower(trim(modality)) as modality,
    duration_hours,
    cost_per_learner,
    fixed_cost,
    upper(trim(currency)) as currency,
    published_at,
    _extract_date as snapshot_date
from ({{ latest_by('latest', 'course_id', '_record_number desc') }}) as deduped
