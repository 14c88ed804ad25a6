{#- Every raw incident version, as loaded: a base model, so that stg_servicedesk__incidents
    reads models only, this and base_ingest__file_retractions. A view on every engine: a
    copy would cost a scan of raw per build and change no row. -#}
{{ config(materialized='view') }}

select * from {{ source('servicedesk', 'incidents') }}
