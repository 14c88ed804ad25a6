{#- One row per measured event and KPI: the numerator and denominator it adds to
    its person's period. Each KPI's definition is in the kpi_catalogue seed. -#}
with incidents as (
    select incidents.*, crosswalk.person_key
    from {{ ref('stg_servicedesk__incidents') }} as incidents
    inner join {{ ref('int_people__identity_crosswalk') }} as crosswalk
        on crosswalk.source_system = 'servicedesk_assignee'
        and incidents.assignee_email = crosswalk.source_identity
    where crosswalk.person_key is not null
),

opportunities as (
    select opportunities.*, crosswalk.person_key
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join {{ ref('int_people__identity_crosswalk') }} as crosswalk
        on crosswalk.source_system = 'crm_user'
        and opportunities.owner_crm_user_id = crosswalk.source_identity
    where crosswalk.person_key is not null and opportunities.is_closed
)

select person_key, 'ticket_resolution_hours' as kpi, opened_at as event_at,
       {{ dbt.datediff('opened_at', 'resolved_at', 'second') }} / 3600.0 as numerator, 1 as denominator
from incidents where resolved_at is not null and resolved_at >= opened_at
union all
select person_key, 'first_response_minutes', opened_at,
       {{ dbt.datediff('opened_at', 'first_response_at', 'second') }} / 60.0, 1
from incidents where first_response_at is not null and first_response_at >= opened_at
union all
select person_key, 'csat', resolved_at, cast(csat_score as double), 1
from incidents where csat_score is not null and resolved_at is not null
union all
select person_key, 'knowledge_use_rate', opened_at, case when used_knowledge then 1.0 else 0.0 end, 1
from incidents where resolved_at is not null
union all
select person_key, 'sales_cycle_days', cast(close_date as timestamp),
       cast({{ dbt.datediff('cast(created_at as date)', 'close_date', 'day') }} as double), 1
from opportunities where close_date >= cast(created_at as date)
union all
select person_key, 'win_rate', cast(close_date as timestamp), case when is_won then 1.0 else 0.0 end, 1
from opportunities
