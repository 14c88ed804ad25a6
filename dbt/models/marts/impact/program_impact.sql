{#- One row per program x KPI in programs.csv: the difference-in-differences effect
    of completing the program on the KPI, against matched comparisons (see the
    did_estimate macro and int_impact__matched_units for the method). -#}
{{ config(contract={'enforced': true}) }}

with programs as (
    select distinct program_id, kpi from {{ ref('stg_config__programs') }}
),

catalogue as (
    select * from {{ ref('kpi_catalogue') }}
),

units as (
    select * from {{ ref('int_impact__matched_units') }}
),

main as (
    {{ did_estimate(ref('int_impact__matched_units'), 'pre_value', 'post_value') }}
),

placebo as (
    {{ did_estimate(ref('int_impact__matched_units'), 'placebo_value', 'pre_value') }}
),

completers as (
    select program_id, count(distinct person_key) as n_completers
    from {{ ref('int_learning__program_enrolments') }}
    where is_completed and person_key is not null
    group by program_id
),

overlapping as (
    select program_id, kpi, count(distinct person_key) as n_treated_overlap
    from {{ ref('int_impact__overlaps') }}
    group by program_id, kpi
),

coverage as (
    select * from {{ ref('int_kpis__coverage') }}
),

-- Work the completers began after completing that is too recent to have finished.
censored as (
    select programs.program_id, events.kpi, count(*) as n_events_censored
    from {{ ref('int_kpis__measured_events') }} as events
    inner join {{ ref('int_learning__program_enrolments') }} as enrolments
        on events.person_key = enrolments.person_key
        and enrolments.is_completed
        and events.event_at >= enrolments.completed_at
    inner join programs
        on enrolments.program_id = programs.program_id and events.kpi = programs.kpi
    where events.is_censored
    group by programs.program_id, events.kpi
),

unmatched as (
    select program_id, kpi, count(distinct person_key) as n_treated_unmatched
    from units
    where unit_role = 'treated' and not is_matched
    group by program_id, kpi
),

estimates as (
    select
        programs.program_id,
        programs.kpi,
        coalesce(main.n_treated, 0) as n_treated,
        coalesce(main.n_comparison, 0) as n_comparison,
        coalesce(unmatched.n_treated_unmatched, 0) as n_treated_unmatched,
        coalesce(overlapping.n_treated_overlap, 0) as n_treated_overlap,
        coalesce(censored.n_events_censored, 0) as n_events_censored,
        coverage.buffer_days as censoring_buffer_days,
        coverage.as_of_date as data_as_of,
        coalesce(completers.n_completers, 0) as n_completers,
        main.before_treated as pre_treated,
        main.after_treated as post_treated,
        main.before_comparison as pre_comparison,
        main.after_comparison as post_comparison,
        main.effect,
        main.effect_se,
        main.t_critical,
        main.change_treated as naive_change,
        placebo.effect as pretrend_effect,
        placebo.effect_se as pretrend_se,
        coalesce(main.n_treated, 0) < {{ var('min_group_size') }}
            or coalesce(main.n_comparison, 0) < {{ var('min_group_size') }} as suppressed
    from programs
    left join main on programs.program_id = main.program_id and programs.kpi = main.kpi
    left join placebo on programs.program_id = placebo.program_id and programs.kpi = placebo.kpi
    left join unmatched on programs.program_id = unmatched.program_id and programs.kpi = unmatched.kpi
    left join overlapping on programs.program_id = overlapping.program_id and programs.kpi = overlapping.kpi
    left join censored on programs.program_id = censored.program_id and programs.kpi = censored.kpi
    left join coverage on programs.kpi = coverage.kpi
    left join completers on programs.program_id = completers.program_id
)

select
    cast(estimates.program_id as {{ dbt.type_string() }}) as program_id,
    cast(estimates.kpi as {{ dbt.type_string() }}) as kpi,
    cast(catalogue.unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(catalogue.better_direction as {{ dbt.type_string() }}) as better_direction,
    cast(estimates.n_treated as {{ dbt.type_bigint() }}) as n_treated,
    cast(estimates.n_comparison as {{ dbt.type_bigint() }}) as n_comparison,
    cast(estimates.n_treated_unmatched as {{ dbt.type_bigint() }}) as n_treated_unmatched,
    cast(estimates.n_completers as {{ dbt.type_bigint() }}) as n_completers,
    cast(estimates.n_treated_overlap as {{ dbt.type_bigint() }}) as n_treated_overlap,
    cast(estimates.n_events_censored as {{ dbt.type_bigint() }}) as n_events_censored,
    cast(estimates.censoring_buffer_days as {{ dbt.type_int() }}) as censoring_buffer_days,
    cast(estimates.data_as_of as date) as data_as_of,
    {%- for col in ['pre_treated', 'post_treated', 'pre_comparison', 'post_comparison', 'effect'] %}
    cast(case when not estimates.suppressed then estimates.{{ col }} end as {{ type_double() }}) as {{ col }},
    {%- endfor %}
    cast(case when not estimates.suppressed then estimates.effect - estimates.t_critical * estimates.effect_se end as {{ type_double() }}) as effect_ci_low,
    cast(case when not estimates.suppressed then estimates.effect + estimates.t_critical * estimates.effect_se end as {{ type_double() }}) as effect_ci_high,
    cast(case when not estimates.suppressed then estimates.effect_se end as {{ type_double() }}) as effect_se,
    cast(case when not estimates.suppressed and estimates.pre_treated <> 0
         then 100.0 * estimates.effect / estimates.pre_treated end as {{ type_double() }}) as effect_pct,
    cast(case when not estimates.suppressed then estimates.naive_change end as {{ type_double() }}) as naive_change,
    cast(case when not estimates.suppressed then estimates.pretrend_effect end as {{ type_double() }}) as pretrend_effect,
    cast(case when not estimates.suppressed then estimates.pretrend_se end as {{ type_double() }}) as pretrend_se,
    cast('difference-in-differences vs coarsened-exact-matched comparisons (job family, level, tenure band, baseline band); '
         || '{{ var("window_days") }}-day windows; 95% CI from person-clustered SE and t(n_treated - 1)' as {{ dbt.type_string() }}) as method,
    cast({{ var('window_days') }} as {{ dbt.type_int() }}) as window_days,
    cast(estimates.suppressed as boolean) as suppressed
from estimates
left join catalogue on estimates.kpi = catalogue.kpi
