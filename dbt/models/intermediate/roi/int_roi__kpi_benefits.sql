{#- Each program x KPI's first-year benefit (Phillips, level 5), the most conservative
    alternative at every step. A KPI earns money only when measured, significant under
    the one rule (program_impact.is_significant) and with no sign of diverging groups
    before training. Its improvement follows the effect's conservative path
    (int_roi__benefit_paths): benefit_measured over the measured horizon,
    benefit_projected beyond it. A benefit_per_unit is per participant-month, or per
    event (benefit_basis per_event) times the treated people's measured events per
    participant-month. Benefits count every completer at the measured effect
    (n_benefiting); costs count every participant. -#}

with program_impact as (
    select * from {{ ref('program_impact') }}
),

programs as (
    select * from {{ ref('stg_config__programs') }}
),

paths as (
    select * from {{ ref('int_roi__benefit_paths') }}
),

enrolments as (
    select * from {{ ref('int_learning__program_enrolments') }}
),

benefiting as (
    select
        program_id,
        count(distinct person_key) as n_benefiting
    from enrolments
    where is_completed and person_key is not null
    group by program_id
),

-- Whether a KPI may earn money: its verdict (program_impact.verdict_code) is a
-- measured, credible, significant change, for the better or the worse.
kpis as (
    select
        impact.program_id,
        impact.kpi,
        impact.verdict_code,
        impact.kpi_grain,
        impact.events_per_participant_month,
        config.benefit_per_unit,
        config.benefit_basis,
        impact.verdict_code in ('improved', 'worsened') as earns,
        -- What one week of one unit of improvement is worth for one completer.
        config.benefit_per_unit * 7 / {{ double_literal('30.4375') }}
        * case when config.benefit_basis = 'per_event' then impact.events_per_participant_month else 1 end
            as value_per_improvement_week
    from program_impact as impact
    inner join programs as config
        on impact.program_id = config.program_id and impact.kpi = config.kpi
),

kpi_benefits as (
    select
        kpis.program_id,
        kpis.kpi,
        kpis.verdict_code,
        kpis.earns,
        kpis.benefit_per_unit,
        kpis.benefit_basis,
        kpis.events_per_participant_month,
        case
            when not kpis.earns then 0
            -- a person-grain KPI (ramp, attrition) is worth its benefit once per completer
            when kpis.kpi_grain = 'person'
                then paths.conservative_improvement * kpis.benefit_per_unit
            -- no measurable post bin: the main estimate over its post window, nothing beyond
            when paths.horizon_weeks is null
                then paths.conservative_improvement * {{ window_weeks() }} * kpis.value_per_improvement_week
            else paths.measured_improvement_weeks * kpis.value_per_improvement_week
        end as benefit_measured_per_completer,
        case
            when not kpis.earns or kpis.kpi_grain = 'person' or paths.horizon_weeks is null then 0
            else paths.projected_improvement_weeks * kpis.value_per_improvement_week
        end as benefit_projected_per_completer,
        case when kpis.earns and kpis.kpi_grain <> 'person' then coalesce(paths.horizon_weeks, {{ window_weeks() }}) end
            as horizon_weeks
    from kpis
    left join paths on kpis.program_id = paths.program_id and kpis.kpi = paths.kpi
)

select
    kpi_benefits.program_id,
    kpi_benefits.kpi,
    kpi_benefits.verdict_code,
    kpi_benefits.earns,
    kpi_benefits.benefit_per_unit,
    kpi_benefits.benefit_basis,
    kpi_benefits.events_per_participant_month,
    coalesce(benefiting.n_benefiting, 0) as n_benefiting,
    kpi_benefits.benefit_measured_per_completer * coalesce(benefiting.n_benefiting, 0) as benefit_measured,
    kpi_benefits.benefit_projected_per_completer * coalesce(benefiting.n_benefiting, 0) as benefit_projected,
    kpi_benefits.horizon_weeks as benefit_horizon_weeks
from kpi_benefits
left join benefiting on kpi_benefits.program_id = benefiting.program_id
