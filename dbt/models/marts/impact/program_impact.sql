{#- One row per program x KPI in programs.csv: the difference-in-differences effect
    of completing the program on the KPI, against matched comparisons, as published:
    suppressed where a group is too small, with its 95 % interval, Holm-adjusted
    p-values (within the program, and across every program), the pre-trend test, and
    what was left out. The estimates are made in int_impact__estimates. -#}
{%- set alpha = 0.05 -%}

with estimates as (
    select * from {{ ref('int_impact__estimates') }}
),

catalogue as (
    select * from {{ ref('kpi_catalogue') }}
),

published_p as (
    select
        estimates.*,
        case when not estimates.suppressed then estimates.effect_p_value end as published_p_value
    from estimates
),

-- The one significance rule, applied here and only here: Holm across every program's
-- published KPI estimates (one family), significant below alpha. The scorecard, ROI
-- and every verdict read is_significant.
holm_adjusted as (
    {{ holm('published_p', 'published_p_value', "'all'", 'effect_p_adjusted') }}
),

-- The size of the effect at the end of its interval nearest zero (0 when the interval
-- includes zero): what a violation of parallel trends would have to undo.
adjusted as (
    select
        holm_adjusted.*,
        case
            when holm_adjusted.effect - {{ t_critical_95('holm_adjusted.df') }} * holm_adjusted.effect_se > 0
                then holm_adjusted.effect - {{ t_critical_95('holm_adjusted.df') }} * holm_adjusted.effect_se
            when holm_adjusted.effect + {{ t_critical_95('holm_adjusted.df') }} * holm_adjusted.effect_se < 0
                then -(holm_adjusted.effect + {{ t_critical_95('holm_adjusted.df') }} * holm_adjusted.effect_se)
            else 0
        end as conservative_magnitude
    from holm_adjusted
)

select
    cast(adjusted.program_id as {{ dbt.type_string() }}) as program_id,
    cast(adjusted.program_name as {{ dbt.type_string() }}) as program_name,
    cast(adjusted.kpi as {{ dbt.type_string() }}) as kpi,
    cast(catalogue.unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(catalogue.better_direction as {{ dbt.type_string() }}) as better_direction,
    cast(catalogue.grain as {{ dbt.type_string() }}) as kpi_grain,
    cast(adjusted.n_treated as {{ dbt.type_bigint() }}) as n_treated,
    cast(adjusted.n_comparison as {{ dbt.type_bigint() }}) as n_comparison,
    cast(adjusted.n_treated_unmatched as {{ dbt.type_bigint() }}) as n_treated_unmatched,
    cast(adjusted.n_completers as {{ dbt.type_bigint() }}) as n_completers,
    cast(
        case when adjusted.n_completers > 0 then adjusted.n_treated / cast(adjusted.n_completers as {{ type_double() }}) end
        as {{ type_double() }}
    ) as completers_measured_share,
    cast(adjusted.n_treated_overlap as {{ dbt.type_bigint() }}) as n_treated_overlap,
    cast(adjusted.n_events_censored as {{ dbt.type_bigint() }}) as n_events_censored,
    cast(adjusted.censoring_buffer_days as {{ dbt.type_int() }}) as censoring_buffer_days,
    cast(adjusted.data_as_of as date) as data_as_of,
    {%- for col in ['pre_treated', 'post_treated', 'pre_comparison', 'post_comparison', 'effect'] %}
        cast(case when not adjusted.suppressed then adjusted.{{ col }} end as {{ type_double() }}) as {{ col }},
    {%- endfor %}
    cast(
        case
            when not adjusted.suppressed then adjusted.effect - {{ t_critical_95('adjusted.df') }} * adjusted.effect_se
        end as {{ type_double() }}
    )
        as effect_ci_low,
    cast(
        case
            when not adjusted.suppressed then adjusted.effect + {{ t_critical_95('adjusted.df') }} * adjusted.effect_se
        end as {{ type_double() }}
    )
        as effect_ci_high,
    cast(case when not adjusted.suppressed then adjusted.effect_se end as {{ type_double() }}) as effect_se,
    cast(case when not adjusted.suppressed then adjusted.df end as {{ dbt.type_int() }}) as effect_df,
    cast(adjusted.published_p_value as {{ type_double() }}) as effect_p_value,
    cast(adjusted.effect_p_adjusted as {{ type_double() }}) as effect_p_adjusted,
    cast(not adjusted.suppressed and adjusted.effect_p_adjusted < {{ alpha }} as boolean) as is_significant,
    cast(case when not adjusted.suppressed and adjusted.pre_treated <> 0
            then 100.0 * adjusted.effect / adjusted.pre_treated
    end as {{ type_double() }}) as effect_pct,
    cast(case when not adjusted.suppressed then adjusted.naive_change end as {{ type_double() }}) as naive_change,
    cast(case when not adjusted.suppressed then adjusted.events_per_participant_month end as {{ type_double() }})
        as events_per_participant_month,
    -- Teammates' spillover: untrained people whose team was exposed to training, against
    -- unexposed ones (the effect above is adjusted for it; ROI leaves it out).
    cast(case when not adjusted.suppressed and adjusted.spillover_se > 0 then adjusted.spillover_effect end as {{ type_double() }})
        as spillover_effect,
    cast(
        case
            when not adjusted.suppressed and adjusted.spillover_se > 0
                then adjusted.spillover_effect - {{ t_critical_95('adjusted.df') }} * adjusted.spillover_se
        end as {{ type_double() }}
    ) as spillover_ci_low,
    cast(
        case
            when not adjusted.suppressed and adjusted.spillover_se > 0
                then adjusted.spillover_effect + {{ t_critical_95('adjusted.df') }} * adjusted.spillover_se
        end as {{ type_double() }}
    ) as spillover_ci_high,
    cast(case when not adjusted.suppressed then adjusted.pretrend_wald_p end as {{ type_double() }}) as pretrend_wald_p_value,
    cast(case when not adjusted.suppressed then adjusted.pretrend_slope end as {{ type_double() }}) as pretrend_slope_per_week,
    cast(case when not adjusted.suppressed then adjusted.pretrend_trend_p end as {{ type_double() }}) as pretrend_trend_p_value,
    -- Rambachan & Roth's relative magnitudes: how many times the largest change between
    -- consecutive pre-period bins a change after training would have to be, bin after
    -- bin, for the accumulated violation over the post window's bins to reach the end
    -- of the interval nearest zero (mean bin (T + 1) / 2 of T bins): below 1, a
    -- violation no larger than those already seen could overturn the sign.
    cast(
        case
            when not adjusted.suppressed and adjusted.max_pre_change > 0
                then adjusted.conservative_magnitude / (adjusted.max_pre_change * ({{ (window_weeks() + 1) // 2 }} + 1) / 2.0)
        end as {{ type_double() }}
    ) as breakdown_relative_magnitude,
    cast(case when not adjusted.suppressed then adjusted.pretrend_bins_tested end as {{ dbt.type_bigint() }}) as pretrend_bins_tested,
    cast(case when not adjusted.suppressed then adjusted.pretrend_p_value end as {{ type_double() }}) as pretrend_p_value,
    cast(case when not adjusted.suppressed and adjusted.pretrend_p_value is not null
            then adjusted.pretrend_p_value >= {{ alpha }}
    end as boolean) as pretrend_ok,
    cast(coalesce(
        adjusted.person_grain_method,
        'difference-in-differences vs coarsened-exact-matched comparisons (job family, level, tenure band); '
        || '{{ var("window_days") }}-day windows, the pre window ending {{ var("anticipation_weeks") }} week(s) before registration; '
        || '95% CI from person-clustered SE and t(min(n_treated, n_comparison) - 1); p-values Holm-adjusted across every program''s KPIs'
    ) as {{ dbt.type_string() }}) as method,
    cast(case when not adjusted.suppressed then adjusted.hazard_ratio end as {{ type_double() }}) as hazard_ratio,
    -- New starters' KPIs are estimated by intention to treat; the completers-only
    -- (per-protocol) estimate is shown beside it, never used for a verdict or ROI.
    cast(case when not adjusted.suppressed then adjusted.effect_per_protocol end as {{ type_double() }}) as effect_per_protocol,
    cast({{ var('window_days') }} as {{ dbt.type_int() }}) as window_days,
    cast({{ var('anticipation_weeks') }} as {{ dbt.type_int() }}) as anticipation_weeks,
    cast(adjusted.suppressed as boolean) as suppressed
from adjusted
left join catalogue on adjusted.kpi = catalogue.kpi
