{#- Cleaning helpers for staging models: values as the systems join them. -#}

{#- Work emails join people across systems: trimmed and case-folded. -#}
{% macro normalise_email(expr) -%}
    nullif(lower({{ trim_whitespace(expr) }}), '')
{%- endmacro %}

{#- A ServiceNow ticket number (INC0012345) as every feed that names one is joined on:
    trimmed and upper-cased, empty as null. -#}
{% macro ticket_number(expr) -%}
    nullif(upper(trim({{ expr }})), '')
{%- endmacro %}
