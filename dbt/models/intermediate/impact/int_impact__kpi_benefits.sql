{#- Each program x KPI's first-year benefit (Phillips, level 5), the most conservative
    alternative at every step. A KPI earns money only when measured, significant under
    the one rule (program_impact.is_significant) and with no sign of diverging groups
    before training. Its first-year benefit follows the effect's measured path over
    event time (the event study's post bins, so an effect that fades earns less),
    scaled so that over the main estimate's post window it averages the end of the main
    95 % interval nearest zero, each later bin at most its own interval's end nearest
    zero (benefit_measured); beyond the measured horizon a conservative projection
    (benefit_projected: never above the last bin's interval end nearest zero, decaying
    as the path decayed). A benefit_per_unit is per participant-month, or per event
    (benefit_basis per_event) times the treated people's measured events per
    participant-month. Benefits count every completer at the measured effect
    (n_benefiting). -#}
{#- The first year after completion, in weeks. -#}
{%- set benefit_horizon_weeks = 52 -%}
-- Benefits count every completer of the program (costs count every participant), at
-- the measured effect.
with benefiting as (
    select
        program_id,
        count(distinct person_key) as n_benefiting
    from {{ ref('int_learning__program_enrolments') }}
    where is_completed and person_key is not null
    group by program_id
),

-- Each KPI's estimate, oriented so that an improvement is positive, and whether it may
-- earn money: its verdict (program_impact.verdict_code) is a measured, credible,
-- significant change, for the better or the worse. scale takes the whole path to the conservative end of the
-- interval: the end nearest zero over the point estimate.
impact as (
    select
        impact.*,
        config.benefit_per_unit,
        config.benefit_basis,
        case when impact.better_direction = 'decrease' then -1 else 1 end as orientation,
        impact.verdict_code in ('improved', 'worsened') as earns,
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
        impact.verdict_code,
        impact.earns,
        impact.benefit_per_unit,
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
