{#- Phillips ROI per program, the most conservative alternative at every step:
    fully loaded costs (direct course costs + participants' time at their HRIS pay x
    the pay load factor for benefits and overhead + the program's other costs from
    program_costs.csv, by type), first-year benefits only, each KPI's benefit from the end of its 95 % interval nearest zero
    (zero when the interval includes zero, when suppressed, when the KPI is not
    significant after Holm's adjustment across the program's KPIs, and when the
    groups diverged before training). A benefit_per_unit is per participant-month, or
    per event (benefit_basis per_event), then multiplied by the treated people's
    measured events per participant-month. Costs count every participant; benefits the
    matched, measured completers (n_benefiting), shown side by side. -#}
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

-- The people benefits are counted for: completers in a matched stratum of any of the
-- program's KPIs.
benefiting as (
    select
        program_id,
        count(distinct person_key) as n_benefiting
    from {{ ref('int_impact__matched_units') }}
    where unit_role = 'treated' and is_matched
    group by program_id
),

benefits as (
    select
        impact.program_id,
        sum(
            case
                -- No benefit from a KPI that is suppressed, not significant once adjusted for
                -- the program's several KPIs (Holm), or whose groups diverged before training.
                when impact.suppressed or impact.effect is null then 0
                -- (a person-grain KPI has no pre-period to test)
                when not coalesce(impact.pretrend_ok, impact.kpi_grain = 'person') then 0
                when not (impact.effect_p_adjusted < 0.05) then 0
                else (
                    case
                        when impact.improvement_low <= 0 and impact.improvement_high >= 0 then 0
                        when impact.improvement_low > 0 then impact.improvement_low
                        else impact.improvement_high
                    end
                ) * config.benefit_per_unit
                * case when config.benefit_basis = 'per_event' then impact.events_per_participant_month else 1 end
                -- A person-grain KPI (ramp, attrition) is worth its benefit once per
                -- participant; the others per participant-month, for the first year.
                * impact.n_treated * case when impact.kpi_grain = 'person' then 1 else 12 end
            end
        ) as benefit,
        avg(case when config.benefit_basis = 'per_event' then impact.events_per_participant_month end)
            as events_per_participant_month
    from (
        select
            *,
            case when better_direction = 'decrease' then -effect_ci_high else effect_ci_low end as improvement_low,
            case when better_direction = 'decrease' then -effect_ci_low else effect_ci_high end as improvement_high
        from {{ ref('program_impact') }}
    ) as impact
    inner join {{ ref('stg_config__programs') }} as config
        on impact.program_id = config.program_id and impact.kpi = config.kpi
    group by impact.program_id
),

totals as (
    select
        programs.program_id,
        programs.program_name,
        programs.currency,
        coalesce(costs.participants, 0) as participants,
        coalesce(benefiting.n_benefiting, 0) as n_benefiting,
        coalesce(fixed.fixed_cost, 0) + coalesce(costs.cost_per_learner_total, 0) as cost_direct,
        coalesce(costs.cost_participant_time, 0) * {{ var('pay_load_factor') }} as cost_participant_time,
        {%- for cost_type in cost_types %}
            coalesce(other_costs.cost_{{ cost_type }}, 0) as cost_{{ cost_type }},
        {%- endfor %}
        coalesce(other_costs.cost_other, 0) as cost_other,
        coalesce(benefits.benefit, 0) as benefit,
        benefits.events_per_participant_month
    from programs
    left join costs on programs.program_id = costs.program_id
    left join fixed on programs.program_id = fixed.program_id
    left join other_costs on programs.program_id = other_costs.program_id
    left join benefiting on programs.program_id = benefiting.program_id
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
    cast(benefit as {{ type_double() }}) as benefit,
    cast(benefit - cost_total as {{ type_double() }}) as net_benefit,
    cast(case when cost_total > 0 then 100.0 * (benefit - cost_total) / cost_total end as {{ type_double() }}) as roi_pct,
    cast(case when cost_total > 0 then benefit / cost_total end as {{ type_double() }}) as bcr,
    cast(events_per_participant_month as {{ type_double() }}) as events_per_participant_month,
    cast({{ var('pay_load_factor') }} as {{ type_double() }}) as pay_load_factor,
    cast(currency as {{ dbt.type_string() }}) as currency
from loaded
