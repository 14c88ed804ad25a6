{#- A program's costs beyond its courses' own, as of the latest snapshot of
    program_costs.csv (optional: no file, no rows). -#}
with latest as (
    {{ latest_snapshot(source('config', 'program_costs')) }}
)

select
    trim(program_id) as program_id,
    lower(trim(cost_type)) as cost_type,
    amount,
    upper(trim(currency)) as currency
from ({{ latest_by('latest', 'program_id, cost_type', '_record_number desc') }}) as deduped
