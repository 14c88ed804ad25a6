{#- The articles of each performance-support program, as of the latest snapshot of
    program_aids.csv (optional: no file, no rows). -#}
with latest as (
    {{ latest_snapshot(source('config', 'program_aids')) }}
)

select
    trim(program_id) as program_id,
    upper(trim(article)) as article
from ({{ latest_by('latest', 'program_id, upper(trim(article))', '_record_number desc') }}) as deduped
where nullif(trim(program_id), '') is not null and nullif(trim(article), '') is not null
