{#- Return on expectation, per program x KPI: the program's own contribution
    (program_impact.effect) against what the KPI owner asked for (target - baseline,
    programs.csv), and where the KPI stands for the target job family
    (int_verdicts__kpi_standing) against the owner's baseline and target. The
    contribution's code comes from the effect's 95 % interval and the one significance
    rule (program_impact.is_significant), never from the point estimate alone. One row
    per program x KPI in programs.csv. -#}

with config as (
    select * from {{ ref('stg_config__programs') }}
),

impact as (
    select * from {{ ref('program_impact') }}
),

family_now as (
    select * from {{ ref('int_verdicts__kpi_standing') }}
),

catalogue as (
    select
        kpi,
        unit,
        better_direction
    from {{ ref('kpi_catalogue') }}
),

joined as (
    select
        config.program_id,
        config.program_name,
        config.kpi,
        catalogue.unit as kpi_unit,
        catalogue.better_direction,
        config.kpi_owner,
        config.target_job_family,
        config.baseline_value,
        config.target_value,
        -- a figure from fewer than min_group_size people is not shown
        case when family_now.current_people >= {{ var('min_group_size') }} then family_now.current_value end as current_value,
        coalesce(family_now.current_people, 0) as current_people,
        impact.effect as measured_effect,
        impact.effect_ci_low,
        impact.effect_ci_high,
        coalesce(impact.is_significant, false) as is_significant,
        impact.verdict_code,
        coalesce(impact.suppressed, true) as suppressed,
        config.target_value - config.baseline_value as expected_change
    from config
    left join impact on config.program_id = impact.program_id and config.kpi = impact.kpi
    left join family_now on config.program_id = family_now.program_id and config.kpi = family_now.kpi
    left join catalogue on config.kpi = catalogue.kpi
),

scored as (
    select
        joined.*,
        case when joined.expected_change <> 0 and joined.current_value is not null
                then 100.0 * (joined.current_value - joined.baseline_value) / joined.expected_change
        end as progress_pct,
        case when joined.expected_change <> 0 and joined.measured_effect is not null and not joined.suppressed
                then 100.0 * joined.measured_effect / joined.expected_change
        end as effect_share_of_expected_pct,
        -- The interval turned the way the owner expected the KPI to move.
        case when joined.expected_change < 0 then -joined.effect_ci_high else joined.effect_ci_low end as toward_low,
        case when joined.expected_change < 0 then -joined.effect_ci_low else joined.effect_ci_high end as toward_high,
        abs(joined.expected_change) as expected_magnitude
    from joined
),

-- Reached when significant and even the interval's end nearest zero reaches the
-- expected change; not reached when the interval's far end falls short of it;
-- otherwise not distinguishable from it.
contributed as (
    select
        scored.*,
        case
            when scored.verdict_code is null or scored.verdict_code = 'not_measured' then 'not_measured'
            when scored.verdict_code = 'not_credible' then 'not_credible'
            when scored.expected_magnitude = 0 then 'no_expectation'
            when scored.is_significant and scored.toward_low >= scored.expected_magnitude then 'reached'
            when scored.toward_high < scored.expected_magnitude then 'not_reached'
            else 'not_distinguishable'
        end as contribution_code
    from scored
)

select * from contributed
