{#-
  Scrubbing of free-text comments before publishing (program_comments). The work is
  done by Python functions (dagster_project/text_scrub.py) that each engine registers:
  on DuckDB the dbt plugin dagster_project.dbt_plugins.text_scrub (dbt/profiles.yml), on
  Spark dagster_project.dbt_plugins.spark_dbt (session pandas UDFs). Other warehouses
  need the same three functions.
-#}

{# The folded words of a text (NFKC, case folded, apostrophes and hyphens unified, with
   possessive, hyphen-part and diacritic-free variants), distinct, joined by single spaces. #}
{% macro fold_words(expr) -%}
    {{ return(adapter.dispatch('fold_words', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__fold_words(expr) -%}
    impact_fold_words({{ expr }})
{%- endmacro %}

{# The folded keys of a legal name's first and last name, the same way, joined by single spaces. #}
{% macro name_keys(expr) -%}
    {{ return(adapter.dispatch('name_keys', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__name_keys(expr) -%}
    impact_name_keys({{ expr }})
{%- endmacro %}

{# The text with every email address, @-handle and phone number replaced by [removed]. #}
{% macro scrub_contacts(expr) -%}
    {{ return(adapter.dispatch('scrub_contacts', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__scrub_contacts(expr) -%}
    impact_scrub_contacts({{ expr }})
{%- endmacro %}

{# One row per space-separated word of a text: a set-returning expression for a select list. #}
{% macro words_to_rows(expr) -%}
    {{ return(adapter.dispatch('words_to_rows', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__words_to_rows(expr) -%}
    explode(split({{ expr }}, ' '))
{%- endmacro %}
{% macro duckdb__words_to_rows(expr) -%}
    unnest(string_split({{ expr }}, ' '))
{%- endmacro %}

{# A search query's themes: each pair of neighbouring content words as first_second (or
   its one content word), contacts removed, joined by single spaces (text_scrub.query_themes). #}
{% macro query_themes(expr) -%}
    {{ return(adapter.dispatch('query_themes', 'learning_impact')(expr)) }}
{%- endmacro %}
{% macro default__query_themes(expr) -%}
    impact_query_themes({{ expr }})
{%- endmacro %}
