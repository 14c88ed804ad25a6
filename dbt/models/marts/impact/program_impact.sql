{#- One row per program x KPI in programs.csv: the difference-in-differences effect
    of completing the program on the KPI, against matched comparisons, as published:
    suppressed where a group is too small, with its 95 % interval, Holm-adjusted
    p-values (within the program, and across every program), the pre-trend test, and
    what was left out. The estimates are made in int_impact__estimates and judged in
    int_verdicts__kpi_verdicts. -#}

with verdicts as (
    select * from {{ ref('int_verdicts__kpi_verdicts') }}
),

verdict_texts as (
    select * from {{ ref('int_verdicts__kpi_verdict_texts') }}
)

select
    cast(verdicts.program_id as {{ dbt.type_string() }}) as program_id,
    cast(verdicts.program_name as {{ dbt.type_string() }}) as program_name,
    cast(verdicts.kpi as {{ dbt.type_string() }}) as kpi,
    cast(verdicts.unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(verdicts.direction as {{ dbt.type_string() }}) as better_direction,
    cast(verdicts.kpi_grain as {{ dbt.type_string() }}) as kpi_grain,
    cast(verdicts.n_treated as {{ dbt.type_bigint() }}) as n_treated,
    cast(verdicts.n_comparison as {{ dbt.type_bigint() }}) as n_comparison,
    cast(verdicts.n_treated_unmatched as {{ dbt.type_bigint() }}) as n_treated_unmatched,
    cast(verdicts.n_completers as {{ dbt.type_bigint() }}) as n_completers,
    cast(
        case when verdicts.n_completers > 0 then verdicts.n_treated / cast(verdicts.n_completers as {{ type_double() }}) end
        as {{ type_double() }}
    ) as completers_measured_share,
    cast(verdicts.n_treated_overlap as {{ dbt.type_bigint() }}) as n_treated_overlap,
    cast(verdicts.n_events_censored as {{ dbt.type_bigint() }}) as n_events_censored,
    cast(verdicts.censoring_buffer_days as {{ dbt.type_int() }}) as censoring_buffer_days,
    cast(verdicts.data_as_of as date) as data_as_of,
    {%- for col in ['pre_treated', 'post_treated', 'pre_comparison', 'post_comparison', 'effect'] %}
        cast(case when not verdicts.suppressed then verdicts.{{ col }} end as {{ type_double() }}) as {{ col }},
    {%- endfor %}
    cast(case when not verdicts.suppressed then verdicts.ci_low end as {{ type_double() }}) as effect_ci_low,
    cast(case when not verdicts.suppressed then verdicts.ci_high end as {{ type_double() }}) as effect_ci_high,
    cast(case when not verdicts.suppressed then verdicts.effect_se end as {{ type_double() }}) as effect_se,
    cast(case when not verdicts.suppressed then verdicts.df end as {{ dbt.type_int() }}) as effect_df,
    cast(verdicts.published_p_value as {{ type_double() }}) as effect_p_value,
    cast(verdicts.effect_p_adjusted as {{ type_double() }}) as effect_p_adjusted,
    cast(verdicts.significant as boolean) as is_significant,
    cast(case when not verdicts.suppressed then verdicts.mde end as {{ type_double() }}) as minimum_detectable_effect,
    cast(verdicts.more_completers as {{ dbt.type_bigint() }}) as more_completers_needed,
    cast(verdicts.verdict_code as {{ dbt.type_string() }}) as verdict_code,
    cast(verdict_texts.verdict_text as {{ dbt.type_string() }}) as verdict_text,
    cast(case when not verdicts.suppressed and verdicts.pre_treated <> 0
            then 100.0 * verdicts.effect / verdicts.pre_treated
    end as {{ type_double() }}) as effect_pct,
    cast(case when not verdicts.suppressed then verdicts.naive_change end as {{ type_double() }}) as naive_change,
    cast(case when not verdicts.suppressed then verdicts.events_per_participant_month end as {{ type_double() }})
        as events_per_participant_month,
    -- Teammates' spillover: untrained people whose team was exposed to training, against
    -- unexposed ones (the effect above is adjusted for it; ROI leaves it out).
    cast(case when not verdicts.suppressed and verdicts.spillover_se > 0 then verdicts.spillover_effect end as {{ type_double() }})
        as spillover_effect,
    cast(
        case
            when not verdicts.suppressed and verdicts.spillover_se > 0
                then verdicts.spillover_effect - {{ t_critical_95('verdicts.df') }} * verdicts.spillover_se
        end as {{ type_double() }}
    ) as spillover_ci_low,
    cast(
        case
            when not verdicts.suppressed and verdicts.spillover_se > 0
                then verdicts.spillover_effect + {{ t_critical_95('verdicts.df') }} * verdicts.spillover_se
        end as {{ type_double() }}
    ) as spillover_ci_high,
    cast(case when not verdicts.suppressed then verdicts.pretrend_wald_p end as {{ type_double() }}) as pretrend_wald_p_value,
    cast(case when not verdicts.suppressed then verdicts.pretrend_slope end as {{ type_double() }}) as pretrend_slope_per_week,
    cast(case when not verdicts.suppressed then verdicts.pretrend_trend_p end as {{ type_double() }}) as pretrend_trend_p_value,
    -- Rambachan & Roth's relative magnitudes: how many times the largest change between
    -- consecutive pre-period bins a change after training would have to be, bin after
    -- bin, for the accumulated violation over the post window's bins to reach the end
    -- of the interval nearest zero (mean bin (T + 1) / 2 of T bins): below 1, a
    -- violation no larger than those already seen could overturn the sign.
    cast(
        case
            when not verdicts.suppressed and verdicts.max_pre_change > 0
                then verdicts.conservative_magnitude / (verdicts.max_pre_change * ({{ (window_weeks() + 1) // 2 }} + 1) / 2.0)
        end as {{ type_double() }}
    ) as breakdown_relative_magnitude,
    cast(case when not verdicts.suppressed then verdicts.pretrend_bins_tested end as {{ dbt.type_bigint() }}) as pretrend_bins_tested,
    cast(case when not verdicts.suppressed then verdicts.pretrend_p_value end as {{ type_double() }}) as pretrend_p_value,
    cast(verdicts.parallel as boolean) as pretrend_ok,
    cast(coalesce(
        verdicts.person_grain_method,
        'difference-in-differences against coarsened-exact-matched comparisons, adjusted for teammates'' spillover: '
        || 'the windows, the interval and the significance rule are in this table''s description'
    ) as {{ dbt.type_string() }}) as method,
    cast(case when not verdicts.suppressed then verdicts.hazard_ratio end as {{ type_double() }}) as hazard_ratio,
    -- New starters' KPIs are estimated by intention to treat; the completers-only
    -- (per-protocol) estimate is shown beside it, never used for a verdict or ROI.
    cast(case when not verdicts.suppressed then verdicts.effect_per_protocol end as {{ type_double() }}) as effect_per_protocol,
    cast({{ var('window_days') }} as {{ dbt.type_int() }}) as window_days,
    cast({{ var('anticipation_weeks') }} as {{ dbt.type_int() }}) as anticipation_weeks,
    cast(verdicts.suppressed as boolean) as suppressed
from verdicts
left join verdict_texts on verdicts.program_id = verdict_texts.program_id and verdicts.kpi = verdict_texts.kpi
