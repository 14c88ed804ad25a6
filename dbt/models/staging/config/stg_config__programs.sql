with latest as (
    {{ latest_snapshot(source('config', 'programs')) }}
)

select
    trim(program_id) as program_id,
    program_name,
    lower(trim(kpi)) as kpi,
    kpi_owner,
    target_job_family,
    baseline_value,
    target_value,
    benefit_per_unit,
    upper(trim(currency)) as currency
from ({{ latest_by('latest', 'program_id, kpi', '_record_number desc') }}) as deduped
