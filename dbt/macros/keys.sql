{#- person_key: a salted SHA-256 of the HRIS employee id; the salt comes from
    IMPACT_PERSON_KEY_SALT through the person_key_salt var. -#}
{% macro person_key(employee_id) -%}
    {{ sha256_hex("'" ~ var('person_key_salt') | replace("'", "''") ~ "' || '|hris|' || " ~ employee_id) }}
{%- endmacro %}

{#- A key for a learner no HRIS record matches (contractor, test account, purged
    leaver): salted like person_key, so that no identifier leaks. -#}
{% macro unmatched_learner_key(identity) -%}
    {{ sha256_hex("'" ~ var('person_key_salt') | replace("'", "''") ~ "' || '|unmatched|' || " ~ identity) }}
{%- endmacro %}

{#- The latest version of each key: portable (no QUALIFY). -#}
{% macro latest_by(relation, partition_by, order_by) -%}
    select * from (
        select *, row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _version_rank
        from {{ relation }}
    ) as ranked
    where _version_rank = 1
{%- endmacro %}

{#- Rows of the most recent snapshot of a full-snapshot feed. -#}
{% macro latest_snapshot(relation) -%}
    select * from {{ relation }}
    where _extract_date = (select max(_extract_date) from {{ relation }})
{%- endmacro %}

{#- Work emails join people across systems: trimmed and case-folded. -#}
{% macro normalise_email(expr) -%}
    nullif(lower({{ trim_whitespace(expr) }}), '')
{%- endmacro %}
