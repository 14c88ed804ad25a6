{#- Phillips ROI per program, the most conservative alternative at every step: fully
    loaded costs (int_roi__program_costs: direct course costs + participants' time at
    their HRIS pay x the pay load factor for benefits and overhead + the program's other
    costs from program_costs.csv, by type) against first-year benefits
    (int_roi__program_benefits, from int_roi__kpi_benefits: each KPI's measured path
    at the end of its interval nearest zero). Costs count every participant; benefits
    every completer at the measured effect (n_benefiting). ROI is published only when at
    least one KPI's effect was measured, credible and significant (roi_status measured);
    otherwise roi_status says why there is none. -#}
{%- set cost_types = ['needs_assessment', 'design', 'delivery', 'evaluation', 'overhead'] -%}

with program_costs as (
    select * from {{ ref('int_roi__program_costs') }}
),

program_benefits as (
    select * from {{ ref('int_roi__program_benefits') }}
),

costed as (
    select
        program_costs.*,
        program_benefits.n_benefiting,
        program_benefits.benefit_measured,
        program_benefits.benefit_projected,
        program_benefits.benefit,
        program_benefits.benefit_horizon_weeks,
        program_benefits.events_per_participant_month,
        program_benefits.roi_status,
        program_benefits.n_kpis,
        program_benefits.n_kpis_earning
    from program_costs
    inner join program_benefits on program_costs.program_id = program_benefits.program_id
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(participants as {{ dbt.type_bigint() }}) as participants,
    cast(n_benefiting as {{ dbt.type_bigint() }}) as n_benefiting,
    cast(cost_direct as {{ type_double() }}) as cost_direct,
    cast(cost_participant_time as {{ type_double() }}) as cost_participant_time,
    {%- for cost_type in cost_types %}
        cast(cost_{{ cost_type }} as {{ type_double() }}) as cost_{{ cost_type }},
    {%- endfor %}
    cast(cost_other as {{ type_double() }}) as cost_other,
    cast(cost_total as {{ type_double() }}) as cost_total,
    cast(case when roi_status = 'measured' then benefit_measured end as {{ type_double() }}) as benefit_measured,
    cast(case when roi_status = 'measured' then benefit_projected end as {{ type_double() }}) as benefit_projected,
    cast(case when roi_status = 'measured' then benefit_horizon_weeks end as {{ dbt.type_int() }}) as benefit_horizon_weeks,
    cast(case when roi_status = 'measured' then benefit end as {{ type_double() }}) as benefit,
    cast(case when roi_status = 'measured' then benefit - cost_total end as {{ type_double() }}) as net_benefit,
    cast(
        case when roi_status = 'measured' and cost_total > 0 then 100.0 * (benefit - cost_total) / cost_total end
        as {{ type_double() }}
    ) as roi_pct,
    cast(case when roi_status = 'measured' and cost_total > 0 then benefit / cost_total end as {{ type_double() }}) as bcr,
    cast(roi_status as {{ dbt.type_string() }}) as roi_status,
    cast(
        case roi_status
            when 'measured'
                then 'first-year benefit from ' || cast(n_kpis_earning as {{ dbt.type_string() }}) || ' of '
                    || cast(n_kpis as {{ dbt.type_string() }}) || ' KPIs, each measured, credible and significant'
                    || case when n_kpis_earning < n_kpis then '; the others count nothing' else '' end
            when 'not_measured' then 'not measured: too few people could be measured on any KPI, so no return can be claimed or denied yet'
            when 'inconclusive' then 'not measured: no KPI effect could be told apart from zero, nor ruled out (inconclusive), so no return can be claimed or denied yet'
            when 'not_credible' then 'not measured: the groups diverged before training, so no effect can be credited to the program'
            when 'no_effect' then 'no return: every KPI effect is ruled smaller than the change the KPI owner expected'
            else 'no KPI is configured for the program'
        end as {{ dbt.type_string() }}
    ) as roi_status_text,
    cast(events_per_participant_month as {{ type_double() }}) as events_per_participant_month,
    cast({{ var('pay_load_factor') }} as {{ type_double() }}) as pay_load_factor,
    cast(currency as {{ dbt.type_string() }}) as currency
from costed
