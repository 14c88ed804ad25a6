{#- The effect per program x KPI that program_impact publishes: the event study's post
    bins averaged over event time, each week of the post window weighing alike
    (Callaway & Sant'Anna's dynamic aggregation), with the person-clustered standard
    error of that average; the pooled estimate (int_impact__did) where no post bin has
    an estimate. Counts, degrees of freedom and the spillover slope are the pooled
    estimate's.

    Why not the pooled difference over each unit's post window (int_impact__did): late
    cohorts are measured on the post weeks their data reach, down to min_window_weeks,
    and pooled with full windows they tilt the estimate toward the first weeks after
    training. When an effect fades, those are its strongest weeks (on a KPI with a
    90-day censoring buffer, the tilt put the intervals beside the truth half the
    time). Averaging each week's estimate, from the cohorts that reach it, first keeps
    every week of the window at its weight.

    A bin's weight is the share of the post window's weeks it covers (a 13-week window:
    six 2-week bins and half of the seventh); bins without an estimate leave the others
    to share the weight. Each person's influence on the average is the weighted sum of
    their influences on the bins (int_impact__event_influence), so a person measured in
    several bins counts once, with the covariance between bins. The bins take the
    spillover slopes as known; their uncertainty enters through each person's influence
    on the pooled slopes (int_impact__did_influence) times how much the average moves
    with each slope (the bins' exposure_weighted and other_weighted). The treated and
    comparison levels are averaged with the same weights, so that post_treated -
    pre_treated - (post_comparison - pre_comparison) is the effect. -#}
{%- set n = window_weeks() -%}

with bins as (
    select
        program_id,
        kpi,
        relative_bin,
        before_treated,
        after_treated,
        before_comparison,
        after_comparison,
        change_treated,
        effect,
        exposure_weighted,
        other_weighted,
        -- weeks 2b - 2 and 2b - 1 after post_start, those inside the window
        (least(2 * relative_bin, {{ n }}) - (2 * relative_bin - 2)) / {{ double_literal(n) }} as weight
    from {{ ref('int_impact__event_study') }}
    where relative_bin > 0 and 2 * relative_bin - 2 < {{ n }} and effect is not null
),

-- How much the weighted sum of the bins moves with each spillover slope.
slope_weights as (
    select
        program_id,
        kpi,
        sum(weight * exposure_weighted) as exposure_weight,
        sum(weight * other_weighted) as other_weight
    from bins
    group by program_id, kpi
),

influences as (
    select
        influence.program_id,
        influence.kpi,
        influence.person_key,
        bins.weight * influence.influence as influence
    from {{ ref('int_impact__event_influence') }} as influence
    inner join bins
        on influence.program_id = bins.program_id
            and influence.kpi = bins.kpi
            and influence.relative_bin = bins.relative_bin
    union all
    select
        slopes.program_id,
        slopes.kpi,
        slopes.person_key,
        slope_weights.exposure_weight * slopes.spillover_influence
        + slope_weights.other_weight * slopes.other_spillover_influence as influence
    from {{ ref('int_impact__did_influence') }} as slopes
    inner join slope_weights on slopes.program_id = slope_weights.program_id and slopes.kpi = slope_weights.kpi
),

people as (
    select
        program_id,
        kpi,
        person_key,
        sum(influence) as influence
    from influences
    group by program_id, kpi, person_key
),

variances as (
    select
        program_id,
        kpi,
        sum(influence * influence) as weighted_variance
    from people
    group by program_id, kpi
),

averaged as (
    select
        program_id,
        kpi,
        count(*) as n_bins,
        sum(weight) as total_weight,
        sum(weight * before_treated) / sum(weight) as pre_treated,
        sum(weight * after_treated) / sum(weight) as post_treated,
        sum(weight * before_comparison) / sum(weight) as pre_comparison,
        sum(weight * after_comparison) / sum(weight) as post_comparison,
        sum(weight * change_treated) / sum(weight) as change_treated,
        sum(weight * effect) / sum(weight) as effect
    from bins
    group by program_id, kpi
),

event_time as (
    select
        averaged.*,
        sqrt(variances.weighted_variance) / averaged.total_weight as effect_se
    from averaged
    left join variances on averaged.program_id = variances.program_id and averaged.kpi = variances.kpi
)

select
    did.program_id,
    did.kpi,
    did.n_treated,
    did.n_comparison,
    did.clusters,
    did.df,
    did.spillover,
    did.spillover_se,
    did.other_spillover,
    coalesce(event_time.n_bins, 0) as n_post_bins,
    coalesce(event_time.pre_treated, did.before_treated) as before_treated,
    coalesce(event_time.post_treated, did.after_treated) as after_treated,
    coalesce(event_time.pre_comparison, did.before_comparison) as before_comparison,
    coalesce(event_time.post_comparison, did.after_comparison) as after_comparison,
    coalesce(event_time.change_treated, did.change_treated) as change_treated,
    coalesce(event_time.effect, did.effect) as effect,
    case when event_time.effect is not null then event_time.effect_se else did.effect_se end as effect_se,
    did.effect as pooled_effect,
    did.effect_se as pooled_effect_se
from {{ ref('int_impact__did') }} as did
left join event_time on did.program_id = event_time.program_id and did.kpi = event_time.kpi
