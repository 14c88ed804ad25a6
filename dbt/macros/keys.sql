{#- person_key: hex HMAC-SHA256 of 'hris|' || the HRIS employee id, keyed by the secret
    (IMPACT_PERSON_KEY_SECRET). The SQL names the key, never holds it: see keyed_hash in
    portable.sql and dagster_project/keys.py. -#}
{% macro person_key(employee_id) -%}
    {{ keyed_hash("'hris|' || " ~ employee_id) }}
{%- endmacro %}

{#- A key for a learner no HRIS record matches (contractor, test account, purged
    leaver): the same keyed hash of 'unmatched|' || the identity, so that no
    identifier leaks and nobody without the secret can compute it. -#}
{% macro unmatched_learner_key(identity) -%}
    {{ keyed_hash("'unmatched|' || " ~ identity) }}
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
