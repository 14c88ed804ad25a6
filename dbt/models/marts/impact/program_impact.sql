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

-- The interval, and the smallest effect the estimate could detect: a 95 % test
-- detects an effect of (t critical + z 0.80) standard errors 80 % of the time.
bounded as (
    select
        holm_adjusted.*,
        holm_adjusted.effect - {{ t_critical_95('holm_adjusted.df') }} * holm_adjusted.effect_se as ci_low,
        holm_adjusted.effect + {{ t_critical_95('holm_adjusted.df') }} * holm_adjusted.effect_se as ci_high,
        ({{ t_critical_95('holm_adjusted.df') }} + {{ z_power_80() }}) * holm_adjusted.effect_se as mde,
        not holm_adjusted.suppressed and holm_adjusted.effect_p_adjusted < {{ alpha }} as significant,
        case when not holm_adjusted.suppressed and holm_adjusted.pretrend_p_value is not null
                then holm_adjusted.pretrend_p_value >= {{ alpha }}
        end as parallel,
        abs(config.target_value - config.baseline_value) as expected_magnitude,
        catalogue.unit,
        catalogue.grain as kpi_grain,
        catalogue.better_direction as direction
    from holm_adjusted
    left join {{ ref('stg_config__programs') }} as config
        on holm_adjusted.program_id = config.program_id and holm_adjusted.kpi = config.kpi
    left join catalogue on holm_adjusted.kpi = catalogue.kpi
),

-- The size of the effect at the end of its interval nearest zero (0 when the interval
-- includes zero): what a violation of parallel trends would have to undo.
adjusted as (
    select
        bounded.*,
        case
            when bounded.ci_low > 0 then bounded.ci_low
            when bounded.ci_high < 0 then -bounded.ci_high
            else 0
        end as conservative_magnitude
    from bounded
),

-- The verdict on each program x KPI, decided here once (every surface renders it):
-- measured or not, credible or not, significant under the one rule, and when not, a
-- tight interval that rules out the change the KPI owner expected (no effect) told
-- apart from a wide one (inconclusive).
judged as (
    select
        adjusted.*,
        case
            when adjusted.suppressed or adjusted.effect is null then 'not_measured'
            when adjusted.parallel = false or (adjusted.parallel is null and adjusted.kpi_grain <> 'person') then 'not_credible'
            when adjusted.significant and (adjusted.effect < 0) = (adjusted.direction = 'decrease') then 'improved'
            when adjusted.significant then 'worsened'
            when adjusted.expected_magnitude > 0
                and greatest(abs(adjusted.ci_low), abs(adjusted.ci_high)) < adjusted.expected_magnitude then 'no_effect'
            else 'inconclusive'
        end as verdict_code,
        -- About how many more completers would bring the detectable effect down to the
        -- change the owner expected (the standard error shrinks with the square root of
        -- the people measured; the program's share of completers measured stays).
        case
            when not adjusted.suppressed and adjusted.expected_magnitude > 0 and adjusted.mde > adjusted.expected_magnitude
                then cast(5 * ceil(adjusted.n_completers * (power(adjusted.mde / adjusted.expected_magnitude, 2) - 1) / 5.0) as {{ dbt.type_bigint() }})
        end as more_completers
    from adjusted
),

worded as (
    select
        judged.*,
        case judged.verdict_code
            when 'not_measured'
                then 'not measured: ' || case
                        when judged.n_completers < {{ var('min_group_size') }}
                            then cast(judged.n_completers as {{ dbt.type_string() }}) || ' completed it'
                        when judged.n_treated < {{ var('min_group_size') }}
                            then cast(judged.n_treated as {{ dbt.type_string() }}) || ' of '
                                || cast(judged.n_completers as {{ dbt.type_string() }}) || ' completers could be measured'
                        else cast(judged.n_comparison as {{ dbt.type_string() }}) || ' comparable colleagues could be measured'
                    end || ', fewer than {{ var("min_group_size") }}'
            when 'not_credible'
                then 'not credible: ' || case
                        when judged.parallel = false then 'the trained and comparison groups diverged before training'
                        else 'too few weeks before training to test that the groups moved alike'
                    end
            when 'improved'
                then 'improved by ' || {{ amount_text('judged.effect', 'judged.unit') }}
                    || ' (95 % interval ' || {{ interval_text('judged.ci_low', 'judged.ci_high', 'judged.unit') }} || ')'
            when 'worsened'
                then 'worsened by ' || {{ amount_text('judged.effect', 'judged.unit') }}
                    || ' (95 % interval ' || {{ interval_text('judged.ci_low', 'judged.ci_high', 'judged.unit') }} || ')'
            when 'no_effect'
                then 'no effect larger than '
                    || {{ amount_text('greatest(abs(judged.ci_low), abs(judged.ci_high))', 'judged.unit') }}
                    || ': the 95 % interval (' || {{ interval_text('judged.ci_low', 'judged.ci_high', 'judged.unit') }}
                    || ') rules out the ' || {{ amount_text('judged.expected_magnitude', 'judged.unit') }} || ' the KPI owner expected'
            else 'inconclusive: '
                || case
                    when judged.ci_low <= 0 and judged.ci_high >= 0 then 'not told apart from zero'
                    else 'not significant once adjusted across every program''s KPIs'
                end
                || ' (95 % interval ' || {{ interval_text('judged.ci_low', 'judged.ci_high', 'judged.unit') }}
                || '); an effect smaller than ' || {{ amount_text('judged.mde', 'judged.unit') }} || ' could not be detected'
                || case
                    when judged.more_completers > 0
                        then '; about ' || cast(judged.more_completers as {{ dbt.type_string() }})
                            || ' more completers would detect the ' || {{ amount_text('judged.expected_magnitude', 'judged.unit') }}
                            || ' the KPI owner expected'
                    else ''
                end
        end as verdict_text
    from judged
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
    cast(case when not adjusted.suppressed then adjusted.ci_low end as {{ type_double() }}) as effect_ci_low,
    cast(case when not adjusted.suppressed then adjusted.ci_high end as {{ type_double() }}) as effect_ci_high,
    cast(case when not adjusted.suppressed then adjusted.effect_se end as {{ type_double() }}) as effect_se,
    cast(case when not adjusted.suppressed then adjusted.df end as {{ dbt.type_int() }}) as effect_df,
    cast(adjusted.published_p_value as {{ type_double() }}) as effect_p_value,
    cast(adjusted.effect_p_adjusted as {{ type_double() }}) as effect_p_adjusted,
    cast(adjusted.significant as boolean) as is_significant,
    cast(case when not adjusted.suppressed then adjusted.mde end as {{ type_double() }}) as minimum_detectable_effect,
    cast(adjusted.more_completers as {{ dbt.type_bigint() }}) as more_completers_needed,
    cast(adjusted.verdict_code as {{ dbt.type_string() }}) as verdict_code,
    cast(adjusted.verdict_text as {{ dbt.type_string() }}) as verdict_text,
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
    cast(adjusted.parallel as boolean) as pretrend_ok,
    cast(coalesce(
        adjusted.person_grain_method,
        'difference-in-differences against coarsened-exact-matched comparisons, adjusted for teammates'' spillover: '
        || 'the windows, the interval and the significance rule are in this table''s description'
    ) as {{ dbt.type_string() }}) as method,
    cast(case when not adjusted.suppressed then adjusted.hazard_ratio end as {{ type_double() }}) as hazard_ratio,
    -- New starters' KPIs are estimated by intention to treat; the completers-only
    -- (per-protocol) estimate is shown beside it, never used for a verdict or ROI.
    cast(case when not adjusted.suppressed then adjusted.effect_per_protocol end as {{ type_double() }}) as effect_per_protocol,
    cast({{ var('window_days') }} as {{ dbt.type_int() }}) as window_days,
    cast({{ var('anticipation_weeks') }} as {{ dbt.type_int() }}) as anticipation_weeks,
    cast(adjusted.suppressed as boolean) as suppressed
from worded as adjusted
left join catalogue on adjusted.kpi = catalogue.kpi
