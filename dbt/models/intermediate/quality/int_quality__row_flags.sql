{#- How many rows each plausibility rule (macros/row_rules.sql) flagged in staging: the
    rule, the count and the share, for the run summary, the report and BI. GX fails the
    run only above its tolerance. -#}
{% for rule in row_rules() %}
    select
        cast('{{ rule.model }}' as {{ dbt.type_string() }}) as model_name,
        cast('{{ rule.flag }}' as {{ dbt.type_string() }}) as flag_column,
        cast('{{ rule.rule | replace("'", "''") }}' as {{ dbt.type_string() }}) as rule,
        cast('{{ row_rule_left_out_of(rule) | replace("'", "''") }}' as {{ dbt.type_string() }}) as left_out_of,
        sum(case when {{ rule.flag }} then 1 else 0 end) as flagged_rows,
        count(*) as total_rows,
        case when count(*) > 0
                then cast(sum(case when {{ rule.flag }} then 1 else 0 end) as {{ type_double() }}) / count(*)
        end as flagged_share
    from {{ ref(rule.model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
