{#- One row per event x KPI: when its work began (started_at, the date it belongs to,
    see the catalogue's dated_by), when its outcome became known (ended_at, null while
    the work is still open) and the value it adds once known. Censoring and capping
    happen in int_kpis__measured_events. A row flagged in staging is left out only of
    the KPIs its flaw corrupts (kept_by_row_rules, macros/row_rules.sql).

    Incremental (delete+insert on kpi x event_id): a night recomputes the events of
    - the tickets, deals and searches with a raw version loaded since the events of
      their feed were last written (updates and deletions alike), and the tickets any
      version of a knowledge-article view delivered since names (time to first article),
    - the assignees, CRM users and searchers whose person_key changed
      (int_kpis__identities),
    and writes only the events that changed, each with its previous person_key and
    started_at, so that the person-week and person-month facts recompute the keys an
    event left as well as those it joined. An event that no longer counts is a row
    without a person_key (a tombstone), kept until both have read it. A retraction of
    any of these feeds' files, which no new row reveals, rebuilds the model. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key=['kpi', 'event_id'],
    incremental_strategy='delete+insert',
    pre_hook=[
        "{{ rebuild_after_file_retraction('servicedesk__incidents') }}",
        "{{ rebuild_after_file_retraction('crm__opportunities') }}",
        "{{ rebuild_after_file_retraction('servicedesk__kb_use') }}",
        "{{ rebuild_after_file_retraction('search__queries') }}",
        "{{ prune_consumed_tombstones(['int_kpis__person_weeks', 'int_kpis__person_months']) }}",
    ],
) }}
-- depends_on: {{ ref('base_ingest__file_retractions') }}
-- depends_on: {{ ref('base_servicedesk__incidents') }}
-- depends_on: {{ ref('base_crm__opportunities') }}
-- depends_on: {{ ref('base_servicedesk__kb_use') }}
-- depends_on: {{ ref('kpi_catalogue') }}

with identities as (
    select * from {{ ref('int_kpis__identities') }}
    where person_key is not null
),

{% if is_incremental() %}
changed_identities as (
    select
        source_system,
        source_identity
    from {{ ref('int_kpis__identities') }}
    where _built_at > ({{ newest_in_this('_built_at') }})
),

changed_incidents as (
    select trim(sys_id) as event_id
    from {{ ref('base_servicedesk__incidents') }}
    where _loaded_at > ({{ feed_watermark('servicedesk__incidents') }})
    union
    select incident_id as event_id
    from {{ ref('stg_servicedesk__incidents') }}
    where assignee_email in (
        select source_identity from changed_identities where source_system = 'servicedesk_assignee'
    )
        -- a ticket named by any version of a view delivered since (an article used on it,
        -- or no longer, or moved to another ticket): its time to first article
        or incident_number in (
            select {{ ticket_number('incident') }} from {{ ref('base_servicedesk__kb_use') }}
            where trim(sys_id) in (
                select trim(sys_id) from {{ ref('base_servicedesk__kb_use') }}
                where _loaded_at > ({{ feed_watermark('servicedesk__kb_use') }})
            )
        )
),

changed_searches as (
    select query_id as event_id
    from {{ ref('stg_search__queries') }}
    where _loaded_at > ({{ feed_watermark('search__queries') }})
        or user_email in (
            select source_identity from changed_identities where source_system = 'search_user'
        )
),

changed_deals as (
    select trim(Id) as event_id
    from {{ ref('base_crm__opportunities') }}
    where _loaded_at > ({{ feed_watermark('crm__opportunities') }})
    union
    select opportunity_id as event_id
    from {{ ref('stg_crm__opportunities') }}
    where owner_crm_user_id in (
        select source_identity from changed_identities where source_system = 'crm_user'
    )
),

{% endif %}
{#- Each feed's rows with the person their identity resolves to (the night's batch only,
    incrementally): CTE, staging model, identity system, identity column, key, batch. -#}
{%- set resolved = [
    ('incidents', 'stg_servicedesk__incidents', 'servicedesk_assignee', 'assignee_email', 'incident_id', 'changed_incidents'),
    ('opportunities', 'stg_crm__opportunities', 'crm_user', 'owner_crm_user_id', 'opportunity_id', 'changed_deals'),
    ('searches', 'stg_search__queries', 'search_user', 'user_email', 'query_id', 'changed_searches'),
] %}
{%- for cte, model, system, identity, key, batch in resolved %}
    {{ cte }} as (
        select
            feed_rows.*,
            crosswalk.person_key
        from {{ ref(model) }} as feed_rows
        inner join identities as crosswalk
            on crosswalk.source_system = '{{ system }}'
                and feed_rows.{{ identity }} = crosswalk.source_identity
        {%- if is_incremental() %}
        where feed_rows.{{ key }} in (select event_id from {{ batch }})
        {%- endif %}
    ),
{% endfor %}

-- Per ticket: the first view, on or after its opening, of an article used on it (by
-- anyone), and when the first such use was known (the view's attaching version).
first_articles as (
    select
        incidents.incident_id,
        min(kb_use.viewed_at) as first_article_at,
        min(kb_use.updated_at) as first_article_known_at,
        max(kb_use._loaded_at) as _loaded_at
    from incidents
    inner join {{ ref('stg_servicedesk__kb_use') }} as kb_use
        on incidents.incident_number = kb_use.incident_number
    where kb_use.is_used and kb_use.viewed_at >= incidents.opened_at
    group by incidents.incident_id
),

deals as (
    select
        opportunities.*,
        case when opportunities.is_closed then cast(opportunities.close_date as timestamp) end as closed_at
    from opportunities
),

events as (
    select
        person_key,
        _loaded_at,
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
        _loaded_at,
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
        _loaded_at,
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
        _loaded_at,
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
        _loaded_at,
        'self_serve_resolution_rate' as kpi,
        incident_id as event_id,
        opened_at as started_at,
        resolved_at as ended_at,
        case
            when resolved_at is not null
                then (case when used_knowledge and reassignment_count = 0 then {{ double_literal('1.0') }} else {{ double_literal('0.0') }} end)
        end as event_value
    from incidents
    where {{ kept_by_row_rules('self_serve_resolution_rate') }}
    union all
    -- Only tickets an article was used on, known once its use was (the attaching version):
    -- one attached after the buffer counts in no window.
    select
        incidents.person_key,
        greatest(incidents._loaded_at, first_articles._loaded_at) as _loaded_at,
        'time_to_first_article_minutes' as kpi,
        incidents.incident_id as event_id,
        incidents.opened_at as started_at,
        first_articles.first_article_known_at as ended_at,
        {{ dbt.datediff('incidents.opened_at', 'first_articles.first_article_at', 'second') }} / {{ double_literal('60.0') }} as event_value
    from incidents
    inner join first_articles on incidents.incident_id = first_articles.incident_id
    union all
    select
        person_key,
        _loaded_at,
        'search_success_rate' as kpi,
        query_id as event_id,
        searched_at as started_at,
        searched_at as ended_at,
        case
            when clicked_result is not null
                and (clicked_at is null or clicked_at <= {{ dbt.dateadd('minute', var('search_click_minutes'), 'searched_at') }})
                then {{ double_literal('1.0') }}
            else {{ double_literal('0.0') }}
        end as event_value
    from searches
    union all
    select
        person_key,
        _loaded_at,
        'zero_result_rate' as kpi,
        query_id as event_id,
        searched_at as started_at,
        searched_at as ended_at,
        case when results_count = 0 then {{ double_literal('1.0') }} when results_count > 0 then {{ double_literal('0.0') }} end
            as event_value
    from searches
    union all
    select
        person_key,
        _loaded_at,
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
        _loaded_at,
        'win_rate' as kpi,
        opportunity_id as event_id,
        created_at as started_at,
        closed_at as ended_at,
        case when is_closed then (case when is_won then {{ double_literal('1.0') }} else {{ double_literal('0.0') }} end) end as event_value
    from deals
    where {{ kept_by_row_rules('win_rate') }}
),

previous as (
    -- What the batch's events were; a full build is a night with nothing before it.
    select
        kpi,
        event_id,
        person_key,
        started_at,
        ended_at,
        event_value
    from {{ this if is_incremental() else 'events' }}
    where {{ 'person_key is not null' if is_incremental() else 'false' }}
    {%- if is_incremental() %}
        and (
            (
                ({{ kpi_of_feed('servicedesk__incidents') }} or {{ kpi_of_feed('servicedesk__kb_use') }})
                and event_id in (select event_id from changed_incidents)
            )
            or ({{ kpi_of_feed('search__queries') }} and event_id in (select event_id from changed_searches))
            or ({{ kpi_of_feed('crm__opportunities') }} and event_id in (select event_id from changed_deals))
        )
    {%- endif %}
)

select
    events.person_key,
    coalesce(events.kpi, previous.kpi) as kpi,
    coalesce(events.event_id, previous.event_id) as event_id,
    events.started_at,
    events.ended_at,
    events.event_value,
    events._loaded_at,
    previous.person_key as _previous_person_key,
    previous.started_at as _previous_started_at,
    {{ batch_built_at() }} as _built_at
from events
full outer join previous
    on events.kpi = previous.kpi
        and events.event_id = previous.event_id
-- An event recomputed to what it was is not written: nothing downstream moves.
where not {{ same_value('events.person_key', 'previous.person_key') }}
    or not {{ same_value('events.started_at', 'previous.started_at') }}
    or not {{ same_value('events.ended_at', 'previous.ended_at') }}
    or not {{ same_value('events.event_value', 'previous.event_value') }}
