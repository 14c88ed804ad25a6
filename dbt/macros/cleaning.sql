{#- Cleaning helpers for staging models: values as the systems join them. -#}

{#- Work emails join people across systems: trimmed and case-folded. -#}
{% macro normalise_email(expr) -%}
    nullif(lower({{ trim_whitespace(expr) }}), '')
{%- endmacro %}
