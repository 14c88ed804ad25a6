{#- The event study: per program x KPI x 2-week bin relative to the program, the
    difference-in-differences of the bin against the pre window (the estimate's
    baseline), with the same matching, person-clustered inference and suppression as
    program_impact. Pre-period bins show whether the groups were already diverging;
    bins in the anticipation gap show a dip before nomination; post bins show an
    effect that grows or fades. -#}
{%- set n = window_weeks() -%}
{%- set gap = anticipation_weeks() -%}

with estimates as (
    {{ did_estimate(ref('int_impact__event_panel'), 'pre_value', 'bin_value', by=['relative_bin'],
                    spillover_from=ref('int_impact__did')) }}
),

labelled as (
    select
        estimates.*,
        case when estimates.relative_bin < 0 then 2 * estimates.relative_bin else 2 * estimates.relative_bin - 2 end as week_from,
        case when estimates.relative_bin < 0 then 2 * estimates.relative_bin + 2 else 2 * estimates.relative_bin end as week_to
    from estimates
)

select
    labelled.*,
    case
        when labelled.relative_bin > 0 then 'post'
        when labelled.week_to > -{{ gap }} then 'anticipation'
        -- a bin that reaches into the pre window is labelled by it (is_reference: wholly inside)
        when labelled.week_to > -{{ n + gap }} then 'pre window'
        else 'before pre window'
    end as period,
    labelled.relative_bin < 0 and labelled.week_from >= -{{ n + gap }} and labelled.week_to <= -{{ gap }} as is_reference,
    -- The bins the estimate relies on not to diverge: before the end of the pre window.
    labelled.relative_bin < 0 and labelled.week_to <= -{{ gap }} as is_pretrend_tested,
    case when labelled.effect_se > 0 then labelled.effect / labelled.effect_se end as t_statistic,
    labelled.n_treated < {{ var('min_group_size') }} or labelled.n_comparison < {{ var('min_group_size') }} as suppressed
from labelled
