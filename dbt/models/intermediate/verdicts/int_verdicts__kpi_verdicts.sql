{#- Each program x KPI's estimate (int_impact__estimates) judged, once: Holm-adjusted
    across every program, its 95 % interval and detectable effect, the pre-trend test,
    the change its owner expected, and the verdict. One row per program x KPI. -#}
{%- set alpha = 0.05 -%}

with estimates as (
    select * from {{ ref('int_impact__estimates') }}
),

config as (
    select * from {{ ref('stg_config__programs') }}
),

catalogue as (
    select * from {{ ref('kpi_catalogue') }}
),

published_p as (
    select
        program_id,
        kpi,
        case when not suppressed then effect_p_value end as published_p_value
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
        estimates.*,
        holm_adjusted.published_p_value,
        holm_adjusted.effect_p_adjusted,
        estimates.effect - {{ t_critical_95('estimates.df') }} * estimates.effect_se as ci_low,
        estimates.effect + {{ t_critical_95('estimates.df') }} * estimates.effect_se as ci_high,
        ({{ t_critical_95('estimates.df') }} + {{ z_power_80() }}) * estimates.effect_se as mde,
        not estimates.suppressed and holm_adjusted.effect_p_adjusted < {{ alpha }} as significant,
        case when not estimates.suppressed and estimates.pretrend_p_value is not null
                then estimates.pretrend_p_value >= {{ alpha }}
        end as parallel,
        abs(config.target_value - config.baseline_value) as expected_magnitude,
        catalogue.unit,
        catalogue.grain as kpi_grain,
        catalogue.better_direction as direction
    from estimates
    inner join holm_adjusted
        on estimates.program_id = holm_adjusted.program_id and estimates.kpi = holm_adjusted.kpi
    left join config
        on estimates.program_id = config.program_id and estimates.kpi = config.kpi
    left join catalogue on estimates.kpi = catalogue.kpi
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

-- Measured or not, credible or not, significant under the one rule, and when not, a
-- tight interval that rules out the change the KPI owner expected (no effect) told
-- apart from a wide one (inconclusive). Every surface renders this verdict.
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
)

select * from judged
