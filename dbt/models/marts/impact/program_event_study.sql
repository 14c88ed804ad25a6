{#- The event study, published: per program x KPI x 2-week bin relative to the
    program, the difference-in-differences against the pre window (the estimate's
    baseline), with its interval, beside the trained group's and the matched
    comparisons' KPI level, and a uniform band that holds the whole path at once.
    What the report charts: a reader judges the parallel trends, a dip before nomination and an effect that grows or fades. -#}
with bins as (
    select * from {{ ref('int_impact__event_study') }}
),

programs as (
    select
        program_id,
        max(program_name) as program_name
    from {{ ref('stg_config__programs') }}
    group by program_id
),

tests as (
    select
        program_id,
        kpi,
        sup_t_critical
    from {{ ref('int_impact__pretrend_tests') }}
),

catalogue as (
    select
        kpi,
        unit
    from {{ ref('kpi_catalogue') }}
)

select
    cast(bins.program_id as {{ dbt.type_string() }}) as program_id,
    cast(programs.program_name as {{ dbt.type_string() }}) as program_name,
    cast(bins.kpi as {{ dbt.type_string() }}) as kpi,
    cast(catalogue.unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(bins.relative_bin as {{ dbt.type_int() }}) as relative_bin,
    cast(bins.week_from as {{ dbt.type_int() }}) as week_from,
    cast(bins.week_to as {{ dbt.type_int() }}) as week_to,
    cast(bins.period as {{ dbt.type_string() }}) as period,
    cast(bins.is_reference as boolean) as is_reference,
    cast(bins.is_pretrend_tested as boolean) as is_pretrend_tested,
    cast(bins.n_treated as {{ dbt.type_bigint() }}) as n_treated,
    cast(bins.n_comparison as {{ dbt.type_bigint() }}) as n_comparison,
    cast(case when not bins.suppressed then bins.after_treated end as {{ type_double() }}) as treated_value,
    cast(
        case when not bins.suppressed then bins.after_comparison + (bins.before_treated - bins.before_comparison) end as {{ type_double() }}
    )
        as comparison_value,
    cast(case when not bins.suppressed then bins.effect end as {{ type_double() }}) as effect,
    cast(case when not bins.suppressed then bins.effect - {{ t_critical_95('bins.df') }} * bins.effect_se end as {{ type_double() }})
        as ci_low,
    cast(case when not bins.suppressed then bins.effect + {{ t_critical_95('bins.df') }} * bins.effect_se end as {{ type_double() }})
        as ci_high,
    cast(case when not bins.suppressed then {{ t_two_sided_p('bins.t_statistic', 'bins.df') }} end as {{ type_double() }}) as p_value,
    cast(case when not bins.suppressed then bins.effect - tests.sup_t_critical * bins.effect_se end as {{ type_double() }})
        as uniform_low,
    cast(case when not bins.suppressed then bins.effect + tests.sup_t_critical * bins.effect_se end as {{ type_double() }})
        as uniform_high,
    cast(bins.suppressed as boolean) as suppressed
from bins
left join programs on bins.program_id = programs.program_id
left join catalogue on bins.kpi = catalogue.kpi
left join tests on bins.program_id = tests.program_id and bins.kpi = tests.kpi
