{#- The identities the KPI facts resolve (service-desk assignees, CRM users, searchers) and the
    person_key each resolves to: the crosswalk's matched identities as int_kpis__events
    last read them. Incremental: a night writes only the identities whose person_key
    changed, was found or was lost (an HRIS snapshot changing an email, a CRM user
    matched or gone), so that int_kpis__events recomputes their events and nobody
    else's. A lost identity is a row without a person_key (a tombstone), kept until
    int_kpis__events has read it (macros/incremental.sql: prune_consumed_tombstones). -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key=['source_system', 'source_identity'],
    incremental_strategy='delete+insert',
    pre_hook="{{ prune_consumed_tombstones(['int_kpis__events']) }}",
) }}

with crosswalk as (
    select
        source_system,
        source_identity,
        person_key
    from {{ ref('int_people__identity_crosswalk') }}
    where source_system in ('servicedesk_assignee', 'crm_user', 'search_user')
        and person_key is not null
),

previous as (
    -- The identities as last read; a full build is a night with nothing before it.
    select
        source_system,
        source_identity,
        person_key
    from {{ this if is_incremental() else 'crosswalk' }}
    where {{ 'person_key is not null' if is_incremental() else 'false' }}
)

select
    coalesce(crosswalk.source_system, previous.source_system) as source_system,
    coalesce(crosswalk.source_identity, previous.source_identity) as source_identity,
    crosswalk.person_key,
    {{ batch_built_at() }} as _built_at
from crosswalk
full outer join previous
    on crosswalk.source_system = previous.source_system
        and crosswalk.source_identity = previous.source_identity
where not {{ same_value('crosswalk.person_key', 'previous.person_key') }}
