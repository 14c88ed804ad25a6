with latest as (
    {{ latest_snapshot(source('lms', 'users')) }}
)

select
    trim(lms_user_id) as lms_user_id,
    lower(trim(username)) as username,
    {{ normalise_email('email') }} as email,
    lower(trim(status)) as status,
    _extract_date as snapshot_date
from ({{ latest_by('latest', 'lms_user_id', '_record_number desc') }}) as deduped
