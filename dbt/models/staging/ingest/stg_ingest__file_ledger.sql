{#- The files the raw layer holds, with the extract date their name carries. -#}
select
    file as file_key,
    feed,
    extract_date,
    rows_loaded,
    rows_quarantined,
    loaded_at
from {{ source('ingest', 'file_ledger') }}
