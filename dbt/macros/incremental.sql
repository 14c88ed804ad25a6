{#- Incremental staging of a versioned feed (one row per key: its current version).

    A night's batch is every key with a raw row loaded since the model's newest
    _loaded_at: all of those keys' versions are read again, so the winner is the one a
    full rebuild would pick, and the model's rows for those keys are replaced
    (delete+insert on the key). A key whose current version removes it (a deleted deal,
    a voided statement) comes out of an incremental batch as a tombstone row, so that
    its old row is deleted too, and the post-hook drops the tombstones (a full build
    writes none).

    What no new row reveals: ingest retracted a file of the feed (withdrawn, or replaced
    by a changed re-delivery), whose rows may have been current versions. Then the
    pre-hook empties the model, the batch becomes every key, and the model is rebuilt
    in the same transaction. A change to the model's code needs --full-refresh, as
    with any dbt incremental model.

    DuckDB only: on other engines these models are tables, rebuilt every run. -#}

{% macro versioned_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- The keys of the batch: raw rows loaded since the model's newest _loaded_at. -#}
{% macro changed_keys(relation, key) -%}
    select {{ key }} from {{ relation }}
    where _loaded_at > (
        select coalesce(max(_loaded_at), cast('1900-01-01' as timestamp)) from {{ this }}
    )
{%- endmacro %}

{#- Every version of the batch's keys (every version of every key on a full build). -#}
{% macro versions_of_changed_keys(relation, key) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ key }} in ({{ changed_keys(relation, key) }})
    {%- endif %}
{%- endmacro %}

{#- When this model last wrote a batch (a column of every row it writes). -#}
{% macro batch_built_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#- true in an incremental batch, whose tombstones must reach the table. -#}
{% macro keeps_tombstones() -%}
    {{ 'true' if is_incremental() else 'false' }}
{%- endmacro %}

{#- Post-hook: the tombstones have deleted what they stood for. -#}
{% macro drop_tombstones() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where _is_tombstone
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
