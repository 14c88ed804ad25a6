{#- The event study: per program x KPI x 2-week bin relative to the program, the
    difference-in-differences of the bin against the pre window (the estimate's
    baseline), with the same matching, person-clustered inference and suppression as
    program_impact. Pre-period bins show whether the groups were already diverging;
    bins in the anticipation gap show a dip before nomination; post bins show an
    effect that grows or fades. The estimates come from int_impact__event_influence,
    which computes them with each person's influence in one pass over the event panel. -#}
{%- set n = window_weeks() -%}
{%- set gap = anticipation_weeks() -%}
{%- set totals = did_totals() -%}

with influence as (
    select * from {{ ref('int_impact__event_influence') }}
),

-- did_estimate's estimates, from its influences (macros/did_estimate.sql): the totals
-- each row carries, the variance their squares sum to, the clusters they number.
estimates as (
    select
        program_id,
        kpi,
        relative_bin,
        {%- for col in totals %}
            max({{ col }}) as {{ col }},
        {%- endfor %}
        count(*) as clusters,
        sqrt(sum(influence * influence)) as effect_se,
        sqrt(sum(spillover_influence * spillover_influence)) as spillover_se,
        case when max(n_treated) < max(n_comparison) then max(n_treated) else max(n_comparison) end - 1 as df
    from influence
    group by program_id, kpi, relative_bin
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
