{#- Pre-hook of an incremental staging model (macros/incremental.sql): empty the model
    when a file of its feed was retracted after its last batch, so that the batch becomes
    every key. A model with this hook names base_ingest__file_retractions in a
    `-- depends_on:` line: dbt does not read a hook's refs, and lineage must show it. -#}
{% macro rebuild_after_file_retraction(feed) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where exists (
            select 1 from {{ ref('base_ingest__file_retractions') }}
            where feed = '{{ feed }}'
                and retracted_at > (select max(_built_at) from {{ this }})
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
