{#- Every raw knowledge-article view version, as loaded: stg_servicedesk__kb_use keeps
    each view's latest, and int_kpis__events reads every version of the views a night
    delivered (a view no longer used, or moved to another ticket, leaves its old ticket). -#}
{{ config(materialized='view') }}

select * from {{ source('servicedesk', 'kb_use') }}
