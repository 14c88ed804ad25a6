{#- Each program's fully loaded costs, the most conservative alternative: direct course
    costs (fixed costs + fees per registration), participants' time at their pay x the
    pay load factor for benefits and overhead, and the program's other costs from
    program_costs.csv, by type. One row per program in programs.csv. -#}
{%- set cost_types = ['needs_assessment', 'design', 'delivery', 'evaluation', 'overhead'] -%}

with programs as (
    select
        program_id,
        max(program_name) as program_name,
        max(currency) as currency
    from {{ ref('stg_config__programs') }}
    group by program_id
),

participant_costs as (
    select * from {{ ref('int_roi__participant_costs') }}
),

fixed as (
    select * from {{ ref('int_learning__program_courses') }}
),

program_costs as (
    select * from {{ ref('stg_config__program_costs') }}
),

-- A type outside the known ones still counts, as cost_other.
other_costs as (
    select
        program_id,
        {%- for cost_type in cost_types %}
            sum(case when cost_type = '{{ cost_type }}' then amount else 0 end) as cost_{{ cost_type }},
        {%- endfor %}
        sum(case when cost_type not in ('{{ cost_types | join("', '") }}') then amount else 0 end) as cost_other
    from program_costs
    group by program_id
),

totals as (
    select
        programs.program_id,
        programs.program_name,
        programs.currency,
        coalesce(participant_costs.participants, 0) as participants,
        coalesce(fixed.fixed_cost, 0) + coalesce(participant_costs.cost_per_learner_total, 0) as cost_direct,
        coalesce(participant_costs.cost_participant_time, 0) * {{ var('pay_load_factor') }} as cost_participant_time,
        {%- for cost_type in cost_types %}
            coalesce(other_costs.cost_{{ cost_type }}, 0) as cost_{{ cost_type }},
        {%- endfor %}
        coalesce(other_costs.cost_other, 0) as cost_other
    from programs
    left join participant_costs on programs.program_id = participant_costs.program_id
    left join fixed on programs.program_id = fixed.program_id
    left join other_costs on programs.program_id = other_costs.program_id
),

loaded as (
    select
        totals.*,
        totals.cost_direct + totals.cost_participant_time
        {%- for cost_type in cost_types %}
            + totals.cost_{{ cost_type }}
        {%- endfor %}
        + totals.cost_other as cost_total
    from totals
)

select * from loaded
