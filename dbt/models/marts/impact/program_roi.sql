{#- Phillips ROI per program, the most conservative alternative at every step:
    fully loaded costs (direct course costs + participants' time at their HRIS pay x
    the pay load factor for benefits and overhead + the program's other costs from
    program_costs.csv, by type), first-year benefits only. A KPI earns money only when
    measured, significant under the one rule (program_impact.is_significant) and with no
    sign of diverging groups before training. Its first-year benefit follows the
    effect's measured path over event time (the event study's post bins, so an effect
    that fades earns less), scaled so that over the main estimate's post window it
    averages the end of the main 95 % interval nearest zero, each later bin at most its
    own interval's end nearest zero (benefit_measured); beyond the measured horizon a conservative projection
    (benefit_projected: never above the last bin's interval end nearest zero, decaying
    as the path decayed). A benefit_per_unit is per participant-month, or per event
    (benefit_basis per_event) times the treated people's measured events per
    participant-month. Costs count every participant; benefits every completer at the
    measured effect (n_benefiting). -#}
{%- set cost_types = ['needs_assessment', 'design', 'delivery', 'evaluation', 'overhead'] -%}
{#- The first year after completion, in weeks. -#}
{%- set benefit_horizon_weeks = 52 -%}
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

-- Benefits count the same people as costs' completers: every completer of the program,
-- at the measured effect.
benefiting as (
    select
        program_id,
        count(distinct person_key) as n_benefiting
    from {{ ref('int_learning__program_enrolments') }}
    where is_completed and person_key is not null
    group by program_id
),

-- Each KPI's estimate, oriented so that an improvement is positive, and whether it may
-- earn money: measured, significant under the one rule (program_impact.is_significant),
-- and no sign that the groups diverged before training (a person-grain KPI has no
-- pre-period to test). scale takes the whole path to the conservative end of the
-- interval: the end nearest zero over the point estimate.
impact as (
    select
        impact.*,
        config.benefit_per_unit,
        config.benefit_basis,
        case when impact.better_direction = 'decrease' then -1 else 1 end as orientation,
        not impact.suppressed and impact.effect is not null and impact.is_significant
        and coalesce(impact.pretrend_ok, impact.kpi_grain = 'person') as earns,
        case
            when impact.effect_ci_low > 0 then impact.effect_ci_low / impact.effect
            when impact.effect_ci_high < 0 then impact.effect_ci_high / impact.effect
            else 0
        end as scale,
        -- What one week of one unit of improvement is worth for one completer.
        config.benefit_per_unit * 7 / {{ double_literal('30.4375') }}
        * case when config.benefit_basis = 'per_event' then impact.events_per_participant_month else 1 end
            as value_per_improvement_week
    from {{ ref('program_impact') }} as impact
    inner join {{ ref('stg_config__programs') }} as config
        on impact.program_id = config.program_id and impact.kpi = config.kpi
),

-- The measured path: the event study's post bins (2 weeks each) within the first year,
-- in the KPI's better direction. A suppressed bin counts nothing.
measured_bins as (
    select
        bins.program_id,
        bins.kpi,
        bins.relative_bin,
        bins.week_from,
        impact.orientation * bins.effect as bin_improvement,
        impact.orientation * case when impact.orientation = 1 then bins.ci_low else bins.ci_high end as improvement_low
    from {{ ref('program_event_study') }} as bins
    inner join impact on bins.program_id = impact.program_id and bins.kpi = impact.kpi
    where bins.relative_bin > 0 and bins.week_to <= {{ benefit_horizon_weeks }}
        and not bins.suppressed and bins.effect is not null
),

-- The path's level over the main estimate's post window, which the path is scaled to
-- meet at the end of the main interval nearest zero: the bins give the path's shape,
-- the main interval its conservative level.
path_levels as (
    select
        program_id,
        kpi,
        avg(case when week_from < {{ window_weeks() }} then bin_improvement end) as window_level
    from measured_bins
    group by program_id, kpi
),

scaled_bins as (
    select
        measured_bins.*,
        measured_bins.bin_improvement * case
            when path_levels.window_level > 0 and impact.scale * impact.orientation * impact.effect > 0
                then impact.scale * impact.orientation * impact.effect / path_levels.window_level
            else impact.scale
        end as scaled_improvement
    from measured_bins
    inner join path_levels on measured_bins.program_id = path_levels.program_id and measured_bins.kpi = path_levels.kpi
    inner join impact on measured_bins.program_id = impact.program_id and measured_bins.kpi = impact.kpi
),

-- After the main estimate's post window, where no main interval vouches for the level,
-- a bin earns at most its own interval's end nearest zero (nothing when that interval
-- reaches zero); a harmful bin counts as measured.
post_bins as (
    select
        program_id,
        kpi,
        relative_bin,
        case
            when week_from < {{ window_weeks() }} or scaled_improvement <= 0 then scaled_improvement
            when improvement_low <= 0 then 0
            when improvement_low < scaled_improvement then improvement_low
            else scaled_improvement
        end as improvement,
        improvement_low
    from scaled_bins
),

last_bins as (
    select
        program_id,
        kpi,
        max(relative_bin) as last_bin
    from post_bins
    group by program_id, kpi
),

paths as (
    select
        post_bins.program_id,
        post_bins.kpi,
        2 * max(post_bins.relative_bin) as horizon_weeks,
        2 * sum(post_bins.improvement) as measured_improvement_weeks,
        avg(case when post_bins.relative_bin <= stats.last_bin / 2.0 then post_bins.improvement end) as early_level,
        avg(case when post_bins.relative_bin > stats.last_bin / 2.0 then post_bins.improvement end) as late_level,
        avg(case when post_bins.relative_bin >= stats.last_bin - 1 then post_bins.improvement end) as last_level,
        max(case when post_bins.relative_bin = stats.last_bin then post_bins.improvement_low end) as last_bin_low
    from post_bins
    inner join last_bins as stats on post_bins.program_id = stats.program_id and post_bins.kpi = stats.kpi
    group by post_bins.program_id, post_bins.kpi
),

-- Beyond the measured horizon, to the end of the first year: never more than the last
-- bin's interval end nearest zero (nor the path's last level), fading at the rate the
-- path faded from its first half to its second when it did (a geometric decay per
-- week), flat otherwise, nothing when the path ends at or below zero.
projected as (
    select
        paths.*,
        greatest(least(paths.last_level, paths.last_bin_low), 0) as projection_level,
        case
            when paths.early_level > 0 and paths.late_level > 0 and paths.late_level < paths.early_level
                then power(paths.late_level / paths.early_level, 2.0 / paths.horizon_weeks)
            else 1.0
        end as weekly_factor,
        greatest({{ benefit_horizon_weeks }} - paths.horizon_weeks, 0) as projected_weeks
    from paths
),

-- Improvement-weeks beyond the horizon: level x the sum of weekly_factor^k, k = 1 .. weeks.
projected_sums as (
    select
        projected.*,
        projected.projection_level * case
            when projected.weekly_factor < 1
                then projected.weekly_factor * (1 - power(projected.weekly_factor, projected.projected_weeks)) / (1 - projected.weekly_factor)
            else projected.projected_weeks
        end as projected_improvement_weeks
    from projected
),

kpi_benefits as (
    select
        impact.program_id,
        impact.kpi,
        impact.benefit_basis,
        impact.events_per_participant_month,
        case
            when not impact.earns then 0
            -- a person-grain KPI (ramp, attrition) is worth its benefit once per completer
            when impact.kpi_grain = 'person'
                then impact.scale * impact.orientation * impact.effect * impact.benefit_per_unit
            -- no measurable post bin: the main estimate over its post window, nothing beyond
            when projected.horizon_weeks is null
                then impact.scale * impact.orientation * impact.effect * {{ window_weeks() }} * impact.value_per_improvement_week
            else projected.measured_improvement_weeks * impact.value_per_improvement_week
        end as benefit_measured_per_completer,
        case
            when not impact.earns or impact.kpi_grain = 'person' or projected.horizon_weeks is null then 0
            else projected.projected_improvement_weeks * impact.value_per_improvement_week
        end as benefit_projected_per_completer,
        case when impact.earns and impact.kpi_grain <> 'person' then coalesce(projected.horizon_weeks, {{ window_weeks() }}) end
            as horizon_weeks
    from impact
    left join projected_sums as projected on impact.program_id = projected.program_id and impact.kpi = projected.kpi
),

benefits as (
    select
        kpi_benefits.program_id,
        sum(kpi_benefits.benefit_measured_per_completer) * max(coalesce(benefiting.n_benefiting, 0)) as benefit_measured,
        sum(kpi_benefits.benefit_projected_per_completer) * max(coalesce(benefiting.n_benefiting, 0)) as benefit_projected,
        max(kpi_benefits.horizon_weeks) as benefit_horizon_weeks,
        avg(case when kpi_benefits.benefit_basis = 'per_event' then kpi_benefits.events_per_participant_month end)
            as events_per_participant_month
    from kpi_benefits
    left join benefiting on kpi_benefits.program_id = benefiting.program_id
    group by kpi_benefits.program_id
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
        coalesce(benefits.benefit_measured, 0) as benefit_measured,
        coalesce(benefits.benefit_projected, 0) as benefit_projected,
        coalesce(benefits.benefit_measured, 0) + coalesce(benefits.benefit_projected, 0) as benefit,
        benefits.benefit_horizon_weeks,
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
    cast(benefit_measured as {{ type_double() }}) as benefit_measured,
    cast(benefit_projected as {{ type_double() }}) as benefit_projected,
    cast(benefit_horizon_weeks as {{ dbt.type_int() }}) as benefit_horizon_weeks,
    cast(benefit as {{ type_double() }}) as benefit,
    cast(benefit - cost_total as {{ type_double() }}) as net_benefit,
    cast(case when cost_total > 0 then 100.0 * (benefit - cost_total) / cost_total end as {{ type_double() }}) as roi_pct,
    cast(case when cost_total > 0 then benefit / cost_total end as {{ type_double() }}) as bcr,
    cast(events_per_participant_month as {{ type_double() }}) as events_per_participant_month,
    cast({{ var('pay_load_factor') }} as {{ type_double() }}) as pay_load_factor,
    cast(currency as {{ dbt.type_string() }}) as currency
from loaded
