{#- The rows the ingest set aside, by file and line with the reason; the raw text stays
    in raw (it may hold personal data). -#}
select
    file as file_key,
    feed,
    line,
    reason,
    quarantined_at
from {{ source('ingest', 'quarantine') }}
