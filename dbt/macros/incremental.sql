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

{#- Incremental on DuckDB; a table, rebuilt every run, on other engines (dbt-spark's
    incremental strategies need a table format this project does not require). -#}
{% macro incremental_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- The newest value of a timestamp column of the model's rows (those matching where):
    rows of other models newer than it are the night's (1900 when the model holds none:
    everything is). -#}
{% macro newest_in_this(column, where=none) -%}
    select coalesce(max({{ column }}), cast('1900-01-01' as timestamp)) from {{ this }}
    {%- if where is not none %} where {{ where }}{% endif %}
{%- endmacro %}

{#- The keys of the batch: raw rows loaded since the model's newest _loaded_at. -#}
{% macro changed_keys(relation, key) -%}
    select {{ key }} from {{ relation }}
    where _loaded_at > ({{ newest_in_this('_loaded_at') }})
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

{#- true when a and b are equal or both null (portable IS NOT DISTINCT FROM). -#}
{% macro same_value(a, b) -%}
    coalesce({{ a }} = {{ b }}, {{ a }} is null and {{ b }} is null)
{%- endmacro %}

{#- Pre-hook of an incremental model whose rows without a person_key are tombstones that
    its consumers (models of the same schema, reading the rows built since their own
    last batch) must see: drop the tombstones every consumer has built since. Until
    every consumer exists and has built, they stay. -#}
{% macro prune_consumed_tombstones(consumers) -%}
    {%- set built = [] -%}
    {%- if is_incremental() -%}
        {%- for consumer in consumers -%}
            {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier=consumer) -%}
            {%- if relation is not none -%}
                {%- do built.append('_built_at <= (select max(_built_at) from ' ~ relation ~ ')') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if built and built | length == consumers | length -%}
        delete from {{ this }} where person_key is null and {{ built | join(' and ') }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model computed from upstream's rows built since its own last batch:
    rebuild it (empty it, so that the batch is everything) when upstream was rebuilt
    whole since, after a retraction or a --full-refresh of upstream alone, which leaves
    no trace of the rows upstream no longer holds. -#}
{% macro rebuild_when_rebuilt(upstream) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where coalesce((select min(_built_at) from {{ upstream }}), cast('9999-12-31' as timestamp))
            > (select max(_built_at) from {{ this }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The KPIs whose events come from feed (the catalogue's source_feed), as a condition on kpi. -#}
{% macro kpi_of_feed(feed) -%}
    kpi in (select kpi from {{ ref('kpi_catalogue') }} where source_feed = '{{ feed }}')
{%- endmacro %}

{#- The newest _loaded_at of the feed's versions int_kpis__events holds. -#}
{% macro feed_watermark(feed) -%}
    {{ newest_in_this('_loaded_at', kpi_of_feed(feed)) }}
{%- endmacro %}
