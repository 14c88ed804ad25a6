{#-
  The few operations that differ between warehouses, dispatched so that models stay
  portable: DuckDB here, Spark on the scale path. Models call only these and dbt's
  own cross-database macros.
-#}

{# A string at a JSON path of a JSON text column ($.a.b form). #}
{% macro json_str(column, path) -%}
    {{ return(adapter.dispatch('json_str', 'learning_impact')(column, path)) }}
{%- endmacro %}
{% macro default__json_str(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}
{% macro duckdb__json_str(column, path) -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{# The JSON text at a path (objects and arrays kept as JSON). #}
{% macro json_obj(column, path) -%}
    {{ return(adapter.dispatch('json_obj', 'learning_impact')(column, path)) }}
{%- endmacro %}
{% macro default__json_obj(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}
{% macro duckdb__json_obj(column, path) -%}
    cast(json_extract({{ column }}, '{{ path }}') as varchar)
{%- endmacro %}

{# An ISO 8601 text to a UTC timestamp; a value without offset is UTC; null if unparseable. #}
{% macro iso_timestamp(expr) -%}
    {{ return(adapter.dispatch('iso_timestamp', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__iso_timestamp(expr) -%}
    to_utc_timestamp(to_timestamp({{ expr }}), 'UTC')
{%- endmacro %}
{% macro duckdb__iso_timestamp(expr) -%}
    timezone('UTC', try_cast({{ expr }} as timestamptz))
{%- endmacro %}

{# Last segment of an IRI path or fragment: http://adlnet.gov/expapi/verbs/completed -> completed #}
{% macro iri_last_segment(expr) -%}
    {{ return(adapter.dispatch('iri_last_segment', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__iri_last_segment(expr) -%}
    regexp_extract({{ expr }}, '([^/#]+)$', 1)
{%- endmacro %}
{% macro duckdb__iri_last_segment(expr) -%}
    regexp_extract({{ expr }}, '([^/#]+)$', 1)
{%- endmacro %}

{# Hex SHA-1, as xAPI's mbox_sha1sum. #}
{% macro sha1_hex(expr) -%}
    {{ return(adapter.dispatch('sha1_hex', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__sha1_hex(expr) -%}
    sha1({{ expr }})
{%- endmacro %}

{#
  Hex HMAC-SHA256 of a text under a secret key the SQL never contains. `keyed_hash_key`
  names the key: `secret` (the run's, the default; the pipeline also passes it in
  --vars) or `unit_test` (a public key dbt unit tests set, so that their expected keys
  are fixed). On DuckDB the dbt plugin dagster_project.dbt_plugins.person_keys
  registers the function from the profile's DBT_ENV_SECRET_ variable.
#}
{% macro keyed_hash(expr) -%}
    {{ return(adapter.dispatch('keyed_hash', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__keyed_hash(expr) -%}
    {{ exceptions.raise_compiler_error(
        "keyed_hash (person_key) is not yet implemented on " ~ target.type ~ ": it needs an HMAC-SHA256 "
        ~ "keyed by a secret that the SQL must not contain (on DuckDB a dbt plugin registers it; on Spark "
        ~ "it needs a UDF reading the secret from the cluster's secret store)."
    ) }}
{%- endmacro %}
{% macro duckdb__keyed_hash(expr) -%}
    impact_keyed_hash('{{ var("keyed_hash_key", "secret") }}', {{ expr }})
{%- endmacro %}
{#- On Spark the same function is a session UDF registered from Python by
    dagster_project/dbt_plugins/spark_dbt.py (dbt's CLI in the process that holds the session). -#}
{% macro spark__keyed_hash(expr) -%}
    impact_keyed_hash('{{ var("keyed_hash_key", "secret") }}', {{ expr }})
{%- endmacro %}

{# Sample standard deviation and median, whose names differ between warehouses. #}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__median(expr) -%}
    percentile_approx({{ expr }}, 0.5)
{%- endmacro %}
{% macro duckdb__median(expr) -%}
    median({{ expr }})
{%- endmacro %}
{#- Spark's median is exact and interpolated, as DuckDB's (percentile_approx is not). -#}
{% macro spark__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{# 64-bit floating point (dbt's type_float is 32-bit FLOAT on DuckDB). #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'learning_impact')()) }}
{%- endmacro %}
{% macro default__type_double() -%}
    double
{%- endmacro %}

{# Trim every kind of surrounding whitespace (tabs and newlines too, not only spaces). #}
{% macro trim_whitespace(expr) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^\\s+|\\s+$', '')
{%- endmacro %}
{% macro duckdb__trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^\s+|\s+$', '', 'g')
{%- endmacro %}

{# The q-quantile of expr, interpolated (an aggregate). #}
{% macro quantile(expr, q) -%}
    {{ return(adapter.dispatch('quantile', 'learning_impact')(expr, q)) }}
{%- endmacro %}
{% macro default__quantile(expr, q) -%}
    percentile({{ expr }}, {{ q }})
{%- endmacro %}
{% macro duckdb__quantile(expr, q) -%}
    quantile_cont({{ expr }}, {{ q }})
{%- endmacro %}

{#- A fractional constant in arithmetic, as a 64-bit float: `double_literal('3600.0')`.
    A literal like 3600.0 is a DECIMAL on both engines, but DuckDB divides and averages
    decimals as doubles while Spark keeps decimals and rounds them to 6 places
    (x / 3600.0, avg(1.0 ...)). DuckDB's SQL keeps the literal as written; Spark's is a
    double (3600.0D), so both compute in doubles. -#}
{% macro double_literal(value) -%}
    {{ return(adapter.dispatch('double_literal', 'learning_impact')(value)) }}
{%- endmacro %}
{% macro default__double_literal(value) -%}
    {{ value }}
{%- endmacro %}
{% macro spark__double_literal(value) -%}
    {{ value }}D
{%- endmacro %}

{#- dbt-spark's listagg ignores its order (a warning); this one keeps it for a single
    ascending expression (`order by x`): collect (x, measure) pairs, sort, join. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set key = order_by_clause | trim -%}
        {%- if not key.lower().startswith('order by ') or ',' in key or key.lower().endswith(' desc') -%}
            {{ exceptions.raise_compiler_error("listagg on Spark: only 'order by <one expression>' (ascending) is supported, got: " ~ order_by_clause) }}
        {%- endif -%}
        {%- set collected = 'transform(array_sort(collect_list(struct(' ~ key[9:] ~ ' as k, ' ~ measure ~ ' as v))), e -> e.v)' -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
