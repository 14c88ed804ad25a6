{#- Picking one version of a record out of the many a feed delivers. -#}

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
