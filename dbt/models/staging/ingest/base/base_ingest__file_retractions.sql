{#- The files the ingest took back out of raw, and when: what tells an incremental
    staging model that a current version it holds may be gone (macros/retractions.sql).
    A base model: three feeds' staging models read it beside their own base model. A view
    on every engine, read by those models' pre-hooks. -#}
{{ config(materialized='view') }}

select
    file as file_key,
    feed,
    rows_retracted,
    retracted_at
from {{ source('ingest', 'file_retractions') }}
