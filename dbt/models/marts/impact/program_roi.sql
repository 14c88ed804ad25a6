{#- Phillips ROI per program, the most conservative alternative at every step:
    fully loaded costs (direct course costs + participants' time at their HRIS pay x
    the pay load factor for benefits and overhead + the program's other costs from
    program_costs.csv, by type) against first-year benefits (int_impact__kpi_benefits:
    each KPI's measured path at the end of its interval nearest zero). Costs count
    every participant; benefits every completer at the measured effect (n_benefiting).
    ROI is published only when at least one KPI's effect was measured, credible and
    significant (roi_status measured); otherwise roi_status says why there is none. -#}
{%- set cost_types = ['needs_assessment', 'design', 'delivery', 'evaluation', 'overhead'] -%}
with programs as (
    select
        program_id,
        max(program_name) as program_name,
        max(currency) as currency
    from {{ ref('stg_config__programs') }}
    group by program_id
),

registrations as (
    select * from {{ ref('int_learning__course_enrolments') }}
    where registered_at is not null
),

-- Hourly pay as of registration: Annual_Base_Pay / (2080 x FTE).
paid as (
    select
        registrations.*,
        person.annual_base_pay / (2080.0 * nullif(person.fte, 0)) as hourly_pay
    from registrations
    left join {{ ref('int_people__person_versions') }} as person
        on registrations.person_key = person.person_key
            and person.valid_from <= cast(registrations.registered_at as date)
            and (person.valid_to is null or person.valid_to > cast(registrations.registered_at as date))
),

-- One pay per matched participant (as of their first registration in the program).
participant_pay as (
    {{ latest_by("(select * from paid where hourly_pay is not null) as known", 'program_id, learner_key', 'registered_at') }}
),

median_pay as (
    select
        program_id,
        {{ median('hourly_pay') }} as median_hourly_pay
    from participant_pay
    group by program_id
),

costs as (
    select
        paid.program_id,
        count(distinct paid.learner_key) as participants,
        sum(paid.cost_per_learner) as cost_per_learner_total,
        sum(paid.duration_hours * coalesce(paid.hourly_pay, median_pay.median_hourly_pay)) as cost_participant_time
    from paid
    left join median_pay on paid.program_id = median_pay.program_id
    group by paid.program_id
),

fixed as (
    select * from {{ ref('int_learning__program_courses') }}
),

other_costs as (
    select
        program_id,
        {%- for cost_type in cost_types %}
            sum(case when cost_type = '{{ cost_type }}' then amount else 0 end) as cost_{{ cost_type }},
        {%- endfor %}
        sum(
            case
                when
                    cost_type not in ('{{ cost_types | join("', '") }}')
                    then amount else
                    0
            end
        )
            as cost_other
    from {{ ref('stg_config__program_costs') }}
    group by program_id
),

kpi_benefits as (
    select * from {{ ref('int_impact__kpi_benefits') }}
),

benefits as (
    select
        program_id,
        max(n_benefiting) as n_benefiting,
        sum(benefit_measured) as benefit_measured,
        sum(benefit_projected) as benefit_projected,
        max(benefit_horizon_weeks) as benefit_horizon_weeks,
        avg(case when benefit_basis = 'per_event' then events_per_participant_month end) as events_per_participant_month,
        count(*) as n_kpis,
        sum(case when earns then 1 else 0 end) as n_kpis_earning,
        sum(case when verdict_code = 'not_measured' then 1 else 0 end) as n_kpis_not_measured,
        sum(case when verdict_code = 'inconclusive' then 1 else 0 end) as n_kpis_inconclusive,
        sum(case when verdict_code = 'not_credible' then 1 else 0 end) as n_kpis_not_credible
    from kpi_benefits
    group by program_id
),

totals as (
    select
        programs.program_id,
        programs.program_name,
        programs.currency,
        coalesce(costs.participants, 0) as participants,
        coalesce(benefits.n_benefiting, 0) as n_benefiting,
        coalesce(fixed.fixed_cost, 0) + coalesce(costs.cost_per_learner_total, 0) as cost_direct,
        coalesce(costs.cost_participant_time, 0) * {{ var('pay_load_factor') }} as cost_participant_time,
        {%- for cost_type in cost_types %}
            coalesce(other_costs.cost_{{ cost_type }}, 0) as cost_{{ cost_type }},
        {%- endfor %}
        coalesce(other_costs.cost_other, 0) as cost_other,
        coalesce(benefits.benefit_measured, 0) as benefit_measured,
        coalesce(benefits.benefit_projected, 0) as benefit_projected,
        coalesce(benefits.benefit_measured, 0) + coalesce(benefits.benefit_projected, 0) as benefit,
        benefits.benefit_horizon_weeks,
        benefits.events_per_participant_month,
        -- Why there is an ROI, or why not: decided here, rendered everywhere.
        case
            when coalesce(benefits.n_kpis, 0) = 0 then 'no_kpi'
            when benefits.n_kpis_earning > 0 then 'measured'
            when benefits.n_kpis_not_measured = benefits.n_kpis then 'not_measured'
            when benefits.n_kpis_inconclusive > 0 then 'inconclusive'
            when benefits.n_kpis_not_credible > 0 then 'not_credible'
            else 'no_effect'
        end as roi_status,
        coalesce(benefits.n_kpis, 0) as n_kpis,
        coalesce(benefits.n_kpis_earning, 0) as n_kpis_earning
    from programs
    left join costs on programs.program_id = costs.program_id
    left join fixed on programs.program_id = fixed.program_id
    left join other_costs on programs.program_id = other_costs.program_id
    left join benefits on programs.program_id = benefits.program_id
),

loaded as (
    select
        totals.*,
        totals.cost_direct + totals.cost_participant_time
        {%- for cost_type in cost_types %}             + cost_{{ cost_type }}                                                {% endfor %}
        + totals.cost_other as cost_total
    from totals
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
from loaded
