{#- Return on expectation: per program x KPI, what the KPI owner asked for
    (baseline -> target, from programs.csv) against what the treated group shows now
    and what the program measurably caused. -#}
{{ config(contract={'enforced': true}) }}

with config as (
    select * from {{ ref('stg_config__programs') }}
),

impact as (
    select * from {{ ref('program_impact') }}
),

joined as (
    select
        config.program_id,
        config.program_name,
        config.kpi,
        config.kpi_owner,
        config.target_job_family,
        config.baseline_value,
        config.target_value,
        impact.post_treated as current_value,
        impact.effect as measured_effect,
        impact.effect_ci_low,
        impact.effect_ci_high,
        impact.suppressed,
        config.target_value - config.baseline_value as expected_change
    from config
    left join impact on config.program_id = impact.program_id and config.kpi = impact.kpi
),

scored as (
    select
        joined.*,
        case when expected_change <> 0 and current_value is not null
             then 100.0 * (current_value - baseline_value) / expected_change end as progress_pct,
        case when expected_change <> 0 and measured_effect is not null
             then 100.0 * measured_effect / expected_change end as effect_share_of_expected_pct
    from joined
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(kpi_owner as {{ dbt.type_string() }}) as kpi_owner,
    cast(target_job_family as {{ dbt.type_string() }}) as target_job_family,
    cast(baseline_value as {{ type_double() }}) as baseline_value,
    cast(target_value as {{ type_double() }}) as target_value,
    cast(current_value as {{ type_double() }}) as current_value,
    cast(progress_pct as {{ type_double() }}) as progress_pct,
    cast(measured_effect as {{ type_double() }}) as measured_effect,
    cast(effect_share_of_expected_pct as {{ type_double() }}) as effect_share_of_expected_pct,
    cast(case
        when suppressed or current_value is null then 'not measurable'
        when progress_pct >= 100 then 'target met'
        when progress_pct >= 50 then 'on track'
        else 'off track'
    end as {{ dbt.type_string() }}) as status
from scored
