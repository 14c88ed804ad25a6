with latest as (
    {{ latest_snapshot(source('crm', 'users')) }}
)

select
    trim(Id) as crm_user_id,
    {{ normalise_email('Email') }} as email,
    IsActive as is_active,
    _extract_date as snapshot_date
from ({{ latest_by('latest', 'Id', '_record_number desc') }}) as deduped
