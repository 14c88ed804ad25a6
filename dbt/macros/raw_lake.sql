{#-
  The raw layer on engines that do not read the DuckDB warehouse (issue 16). Ingest
  stays in DuckDB; dagster_project/ingest/lake.py copies each raw table to Parquet
  under the lake ($IMPACT_LAKE_DIR, by default $IMPACT_DATA_DIR/lake/raw), one folder
  per table, named as the source's identifier. On Spark this on-run-start macro
  registers every source of schema raw as the external table raw.<identifier> over its
  folder, so that source() resolves to the same name, and the staging SQL is the same,
  on both engines. On DuckDB it does nothing: the sources are the warehouse's tables.
-#}
{% macro raw_lake_dir() -%}
    {{ return(env_var('IMPACT_LAKE_DIR', env_var('IMPACT_DATA_DIR', '../data') ~ '/lake/raw')) }}
{%- endmacro %}

{% macro register_raw_lake() -%}
    {{ return(adapter.dispatch('register_raw_lake', 'learning_impact')()) }}
{%- endmacro %}

{% macro default__register_raw_lake() -%}
{%- endmacro %}

{% macro spark__register_raw_lake() -%}
    {%- if execute -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values() -%}
            {%- if source.schema not in schemas -%}
                {%- do run_query('create schema if not exists ' ~ source.schema) -%}
                {%- do schemas.append(source.schema) -%}
            {%- endif -%}
            {%- set relation = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                'create table ' ~ relation ~ ' using parquet location '
                ~ "'" ~ raw_lake_dir() ~ '/' ~ source.identifier ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
