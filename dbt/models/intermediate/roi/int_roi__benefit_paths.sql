{#- Each program x KPI's improvement over the first year after completion, the most
    conservative alternative at every step (Phillips, level 5), before it is worth money
    (int_roi__kpi_benefits). The effect's measured path over event time (the event
    study's post bins, so an effect that fades earns less) is scaled so that over the
    main estimate's post window it averages the end of the main 95 % interval nearest
    zero, each later bin at most its own interval's end nearest zero
    (measured_improvement_weeks); beyond the measured horizon a conservative projection
    (projected_improvement_weeks: never above the last bin's interval end nearest zero,
    decaying as the path decayed). One row per program_impact row; the path's columns
    are null where no post bin was measured. -#}
{#- The first year after completion, in weeks. -#}
{%- set benefit_horizon_weeks = 52 -%}

with program_impact as (
    select * from {{ ref('program_impact') }}
),

event_study as (
    select * from {{ ref('program_event_study') }}
),

-- Oriented so that an improvement is positive; scale takes the whole path to the
-- conservative end of the interval: the end nearest zero over the point estimate.
impact as (
    select
        program_id,
        kpi,
        effect,
        case when better_direction = 'decrease' then -1 else 1 end as orientation,
        case
            when effect_ci_low > 0 then effect_ci_low / effect
            when effect_ci_high < 0 then effect_ci_high / effect
            else 0
        end as scale
    from program_impact
),

-- The measured path: the post bins (2 weeks each) within the first year, in the KPI's
-- better direction. A suppressed bin counts nothing.
measured_bins as (
    select
        bins.program_id,
        bins.kpi,
        bins.relative_bin,
        bins.week_from,
        impact.orientation * bins.effect as bin_improvement,
        impact.orientation * case when impact.orientation = 1 then bins.ci_low else bins.ci_high end as improvement_low
    from event_study as bins
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
        improvement_low,
        max(relative_bin) over (partition by program_id, kpi) as last_bin
    from scaled_bins
),

paths as (
    select
        program_id,
        kpi,
        2 * max(relative_bin) as horizon_weeks,
        2 * sum(improvement) as measured_improvement_weeks,
        avg(case when relative_bin <= last_bin / 2.0 then improvement end) as early_level,
        avg(case when relative_bin > last_bin / 2.0 then improvement end) as late_level,
        avg(case when relative_bin >= last_bin - 1 then improvement end) as last_level,
        max(case when relative_bin = last_bin then improvement_low end) as last_bin_low
    from post_bins
    group by program_id, kpi
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
)

select
    impact.program_id,
    impact.kpi,
    impact.scale * impact.orientation * impact.effect as conservative_improvement,
    projected.horizon_weeks,
    projected.measured_improvement_weeks,
    -- level x the sum of weekly_factor^k, k = 1 .. weeks
    projected.projection_level * case
        when projected.weekly_factor < 1
            then projected.weekly_factor * (1 - power(projected.weekly_factor, projected.projected_weeks)) / (1 - projected.weekly_factor)
        else projected.projected_weeks
    end as projected_improvement_weeks
from impact
left join projected on impact.program_id = projected.program_id and impact.kpi = projected.kpi
