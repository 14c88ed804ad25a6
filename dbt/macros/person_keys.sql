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
