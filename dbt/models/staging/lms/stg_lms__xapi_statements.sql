{#- One row per distinct, non-voided xAPI statement, flattened.
    A statement id delivered twice is one statement (the first stored copy wins);
    a voiding statement removes its target and is itself not an event. Incremental: a
    night flattens only the statements it delivered and those its voiding statements
    name (macros/incremental.sql); a target voided since is a tombstone until the
    post-hook. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key='statement_id',
    incremental_strategy='delete+insert',
    pre_hook="{{ rebuild_after_file_retraction('lms__xapi_statements') }}",
    post_hook="{{ drop_tombstones() }}",
) }}
-- depends_on: {{ ref('base_ingest__file_retractions') }}

with delivered as (
    select * from {{ ref('base_lms__xapi_statements') }}
),

-- Every voiding statement ever delivered: a target delivered again after it was
-- voided stays voided.
voided as (
    select distinct {{ json_str('statement', '$.object.id') }} as statement_id
    from delivered
    where {{ json_str('statement', '$.verb.id') }} = 'http://adlnet.gov/expapi/verbs/voided'
        and {{ json_str('statement', '$.object.objectType') }} = 'StatementRef'
),

batch as (
    select * from delivered
    {%- if is_incremental() %}
    where statement_id in (
        select statement_id from ({{ changed_keys('delivered', 'statement_id') }}) as arrived
        union all
        -- what tonight's voiding statements void
        select {{ json_str('statement', '$.object.id') }} from delivered
        where statement_id in ({{ changed_keys('delivered', 'statement_id') }})
            and {{ json_str('statement', '$.verb.id') }} = 'http://adlnet.gov/expapi/verbs/voided'
    )
    {%- endif %}
),

first_copy as (
    {{ latest_by('batch', 'statement_id', '_extract_date, _file, _line_number') }}
),

flattened as (
    select
        statement_id,
        coalesce({{ json_str('statement', '$.actor.objectType') }}, 'Agent') as actor_object_type,
        case
            when lower(trim({{ json_str('statement', '$.actor.mbox') }})) like 'mailto:%'
                then {{ normalise_email("substr(trim(" ~ json_str('statement', '$.actor.mbox') ~ "), 8)") }}
        end as actor_email,
        lower({{ json_str('statement', '$.actor.mbox_sha1sum') }}) as actor_mbox_sha1sum,
        {{ json_str('statement', '$.actor.openid') }} as actor_openid,
        {{ json_str('statement', '$.actor.account.homePage') }} as actor_account_home_page,
        lower(trim({{ json_str('statement', '$.actor.account.name') }})) as actor_account_name,
        {{ json_str('statement', '$.verb.id') }} as verb_id,
        lower({{ iri_last_segment(json_str('statement', '$.verb.id')) }}) as verb_name,
        {{ json_obj('statement', '$.verb.display') }} as verb_display,
        coalesce({{ json_str('statement', '$.object.objectType') }}, 'Activity') as object_type,
        {{ json_str('statement', '$.object.id') }} as object_id,
        {{ json_str('statement', '$.object.definition.type') }} as object_definition_type,
        cast({{ json_str('statement', '$.result.score.scaled') }} as double) as score_scaled,
        cast({{ json_str('statement', '$.result.score.raw') }} as double) as score_raw,
        cast({{ json_str('statement', '$.result.score.min') }} as double) as score_min,
        cast({{ json_str('statement', '$.result.score.max') }} as double) as score_max,
        cast({{ json_str('statement', '$.result.success') }} as boolean) as result_success,
        cast({{ json_str('statement', '$.result.completion') }} as boolean) as result_completion,
        {{ json_str('statement', '$.result.duration') }} as result_duration,
        {{ json_str('statement', '$.context.registration') }} as registration_id,
        {{ json_obj('statement', '$.context.extensions') }} as context_extensions,
        {{ json_obj('statement', '$.result.extensions') }} as result_extensions,
        {{ iso_timestamp(json_str('statement', '$.timestamp')) }} as recorded_at,
        {{ iso_timestamp(json_str('statement', '$.stored')) }} as stored_at,
        _extract_date,
        _file,
        _loaded_at
    from first_copy
)

select
    flattened.*,
    -- The actor's identifying property, in xAPI's order of precedence.
    case
        when flattened.actor_email is not null then 'mbox'
        when flattened.actor_mbox_sha1sum is not null then 'mbox_sha1sum'
        when flattened.actor_account_name is not null then 'account'
        when flattened.actor_openid is not null then 'openid'
    end as actor_identity_type,
    coalesce(flattened.actor_email, flattened.actor_mbox_sha1sum, flattened.actor_account_name, flattened.actor_openid) as actor_identity,
    -- xAPI: timestamp is when it happened; without it, when the LRS stored it.
    coalesce(flattened.recorded_at, flattened.stored_at, cast(flattened._extract_date as timestamp)) as statement_at,
    {{ batch_built_at() }} as _built_at,
    voided.statement_id is not null as _is_tombstone
from flattened
left join voided on flattened.statement_id = voided.statement_id
where flattened.verb_id <> 'http://adlnet.gov/expapi/verbs/voided'
    and ({{ keeps_tombstones() }} or voided.statement_id is null)
