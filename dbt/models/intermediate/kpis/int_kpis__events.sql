{#- One row per event x KPI: when its work began (started_at, the date it belongs to,
    see the catalogue's dated_by), when its outcome became known (ended_at, null while
    the work is still open) and the value it adds once known. Censoring and capping
    happen in int_kpis__measured_events. A row flagged in staging is left out only of
    the KPIs its flaw corrupts (kept_by_row_rules, macros/row_rules.sql). -#}
with incidents as (
    select
        incidents.*,
        crosswalk.person_key
    from {{ ref('stg_servicedesk__incidents') }} as incidents
    inner join {{ ref('int_people__identity_crosswalk') }} as crosswalk
        on crosswalk.source_system = 'servicedesk_assignee'
            and incidents.assignee_email = crosswalk.source_identity
    where crosswalk.person_key is not null
),

opportunities as (
    select
        opportunities.*,
        crosswalk.person_key
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join {{ ref('int_people__identity_crosswalk') }} as crosswalk
        on crosswalk.source_system = 'crm_user'
            and opportunities.owner_crm_user_id = crosswalk.source_identity
    where crosswalk.person_key is not null
),

deals as (
    select
        opportunities.*,
        case when opportunities.is_closed then cast(opportunities.close_date as timestamp) end as closed_at
    from opportunities
)

select
    person_key,
    'ticket_resolution_hours' as kpi,
    incident_id as event_id,
    opened_at as started_at,
    resolved_at as ended_at,
    {{ dbt.datediff('opened_at', 'resolved_at', 'second') }} / {{ double_literal('3600.0') }} as event_value
from incidents
where {{ kept_by_row_rules('ticket_resolution_hours') }}
union all
select
    person_key,
    'first_response_minutes' as kpi,
    incident_id as event_id,
    opened_at as started_at,
    first_response_at as ended_at,
    {{ dbt.datediff('opened_at', 'first_response_at', 'second') }} / {{ double_literal('60.0') }} as event_value
from incidents
-- A ticket resolved with no first response recorded has no response time (missing, not open).
where {{ kept_by_row_rules('first_response_minutes') }}
    and not (first_response_at is null and resolved_at is not null)
union all
-- An unrated resolved ticket is no csat event; an open one may still be rated.
select
    person_key,
    'csat' as kpi,
    incident_id as event_id,
    opened_at as started_at,
    resolved_at as ended_at,
    cast(csat_score as double) as event_value
from incidents
where (csat_score is not null or resolved_at is null)
    and {{ kept_by_row_rules('csat') }}
union all
select
    person_key,
    'knowledge_use_rate' as kpi,
    incident_id as event_id,
    opened_at as started_at,
    resolved_at as ended_at,
    case when resolved_at is not null then (case when used_knowledge then {{ double_literal('1.0') }} else {{ double_literal('0.0') }} end) end as event_value
from incidents
where {{ kept_by_row_rules('knowledge_use_rate') }}
union all
select
    person_key,
    'sales_cycle_days' as kpi,
    opportunity_id as event_id,
    created_at as started_at,
    closed_at as ended_at,
    case when is_closed then cast({{ dbt.datediff('cast(created_at as date)', 'close_date', 'day') }} as double) end as event_value
from deals
where {{ kept_by_row_rules('sales_cycle_days') }}
union all
select
    person_key,
    'win_rate' as kpi,
    opportunity_id as event_id,
    created_at as started_at,
    closed_at as ended_at,
    case when is_closed then (case when is_won then {{ double_literal('1.0') }} else {{ double_literal('0.0') }} end) end as event_value
from deals
where {{ kept_by_row_rules('win_rate') }}
