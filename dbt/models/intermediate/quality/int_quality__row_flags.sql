{#- How many rows each plausibility rule flagged in staging: the rule, the count and
    the share, for the run summary, the report and BI. The rules themselves live in the
    staging models (has_* columns); GX fails the run only above its tolerance. -#}
{%- set rules = [
    ('stg_servicedesk__incidents', 'has_response_before_open', 'first response before the ticket was opened', 'first_response_minutes'),
    ('stg_servicedesk__incidents', 'has_resolution_before_response', 'resolved before the first response', 'first_response_minutes'),
    ('stg_servicedesk__incidents', 'has_resolution_before_open', 'resolved before the ticket was opened', 'ticket_resolution_hours, first_response_minutes'),
    ('stg_crm__opportunities', 'has_close_before_creation', 'closed before it was created', 'sales_cycle_days'),
    ('stg_hris__workers', 'has_fte_out_of_range', 'FTE outside (0, 1]', 'participant-time cost (pay)'),
] -%}

{% for model, flag, rule, left_out_of in rules %}
    select
        cast('{{ model }}' as {{ dbt.type_string() }}) as model_name,
        cast('{{ flag }}' as {{ dbt.type_string() }}) as flag_column,
        cast('{{ rule }}' as {{ dbt.type_string() }}) as rule,
        cast('{{ left_out_of }}' as {{ dbt.type_string() }}) as left_out_of,
        sum(case when {{ flag }} then 1 else 0 end) as flagged_rows,
        count(*) as total_rows,
        case when count(*) > 0
                then cast(sum(case when {{ flag }} then 1 else 0 end) as {{ type_double() }}) / count(*)
        end as flagged_share
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
