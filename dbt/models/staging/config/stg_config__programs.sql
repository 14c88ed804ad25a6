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
    upper(trim(currency)) as currency,
    -- What benefit_per_unit is worth: one unit of KPI improvement per participant per
    -- month (the default), or on one event (a ticket, a deal).
    coalesce(nullif(lower(trim(benefit_basis)), ''), 'per_participant_month') as benefit_basis
from ({{ latest_by('latest', 'program_id, kpi', '_record_number desc') }}) as deduped
