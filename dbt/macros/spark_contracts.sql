{#-
  Model contracts on Spark. dbt checks a contract by comparing the query's column types
  with those of `select cast(null as <data_type>) ...` built from the YAML; the YAML
  names DuckDB's types, and Spark has no VARCHAR without a length (its string type is
  STRING). Same check, with the YAML's varchar / text read as Spark's string.
-#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set spark_types = {'varchar': 'string', 'text': 'string'} -%}
    {%- set col_err = [] -%}
    select
    {% for i in columns %}
      {%- set col = columns[i] -%}
      {%- if col['data_type'] is not defined -%}
        {%- do col_err.append(col['name']) -%}
      {%- endif -%}
      {%- set data_type = col['data_type'] | default('string', true) -%}
      {%- set data_type = spark_types.get(data_type.strip().lower(), data_type) -%}
      {% set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
      {{ cast('null', data_type) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (col_err | length) > 0 -%}
      {{ exceptions.column_type_missing(column_names=col_err) }}
    {%- endif -%}
{% endmacro %}
