{#- Every estimate behind program_impact, per program x KPI, before publishing: the
    difference-in-differences (int_impact__effects), its standard error, degrees of freedom and p-value, the pre-trend tests over the event
    study's bins (int_impact__pretrend_tests), and the counts of what was left out.
    program_impact adjusts the p-values for multiplicity and suppresses small groups. -#}
with programs as (
    select
        program_id,
        max(program_name) as program_name,
        kpi
    from {{ ref('stg_config__programs') }}
    group by program_id, kpi
),

units as (
    select * from {{ ref('int_impact__matched_units') }}
),

main as (
    select * from {{ ref('int_impact__effects') }}
),

-- The joint (Wald) and linear-trend tests over the event-study bins the estimate
-- relies on (from the start of the event window to the end of the pre window; bins in
-- the anticipation gap are not tested).
pretrend as (
    select * from {{ ref('int_impact__pretrend_tests') }}
),

completers as (
    select
        program_id,
        count(distinct person_key) as n_completers
    from {{ ref('int_learning__program_enrolments') }}
    where is_completed and person_key is not null
    group by program_id
),

overlapping as (
    select
        program_id,
        kpi,
        count(distinct person_key) as n_treated_overlap
    from {{ ref('int_impact__overlaps') }}
    group by program_id, kpi
),

-- Work the completers began after completing that is too recent to have finished.
censored as (
    select
        programs.program_id,
        events.kpi,
        count(*) as n_events_censored
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

-- The treated people's measured volume: events (tickets, deals) per participant-month
-- in their post window, what a per-event benefit is multiplied by.
volume as (
    select
        program_id,
        kpi,
        avg(post_events / post_weeks) * {{ double_literal('30.4375') }} / 7 as events_per_participant_month
    from units
    where unit_role = 'treated' and is_matched
    group by program_id, kpi
),

-- Person-grain KPIs (new starters' ramp and attrition) are estimated by hire cohort.
onboarding as (
    select * from {{ ref('int_onboarding__estimates') }}
),

unmatched as (
    select
        program_id,
        kpi,
        count(distinct person_key) as n_treated_unmatched
    from units
    where unit_role = 'treated' and not is_matched
    group by program_id, kpi
),

estimates as (
    select
        programs.program_id,
        programs.program_name,
        programs.kpi,
        coalesce(main.n_treated, onboarding.n_treated, 0) as n_treated,
        coalesce(main.n_comparison, onboarding.n_comparison, 0) as n_comparison,
        coalesce(unmatched.n_treated_unmatched, 0) as n_treated_unmatched,
        coalesce(completers.n_completers, 0) as n_completers,
        coalesce(overlapping.n_treated_overlap, onboarding.n_treated_overlap, 0) as n_treated_overlap,
        coalesce(censored.n_events_censored, onboarding.n_events_censored, 0) as n_events_censored,
        coverage.buffer_days as censoring_buffer_days,
        coverage.as_of_date as data_as_of,
        main.before_treated as pre_treated,
        coalesce(main.after_treated, onboarding.post_treated) as post_treated,
        main.before_comparison as pre_comparison,
        coalesce(main.after_comparison, onboarding.post_comparison) as post_comparison,
        coalesce(main.effect, onboarding.effect) as effect,
        coalesce(main.effect_se, onboarding.effect_se) as effect_se,
        coalesce(main.df, onboarding.df) as df,
        case when main.effect_se > 0 then {{ t_two_sided_p('main.effect / main.effect_se', 'main.df') }}
            when onboarding.effect_se > 0 then {{ t_two_sided_p('onboarding.effect / onboarding.effect_se', 'onboarding.df') }}
        end as effect_p_value_raw,
        onboarding.method as person_grain_method,
        onboarding.effect_per_protocol,
        onboarding.hazard_ratio,
        main.change_treated as naive_change,
        main.spillover as spillover_effect,
        main.spillover_se,
        volume.events_per_participant_month,
        pretrend.pretrend_p_value as pretrend_p_value_raw,
        case when pretrend.pretrend_bins_tested > 0 then pretrend.pretrend_bins_tested end as pretrend_bins_tested,
        pretrend.pretrend_wald_p,
        pretrend.pretrend_slope,
        pretrend.pretrend_slope_se,
        pretrend.pretrend_trend_p,
        pretrend.max_pre_change,
        coalesce(main.n_treated, onboarding.n_treated, 0) < {{ var('min_group_size') }}
        or coalesce(main.n_comparison, onboarding.n_comparison, 0) < {{ var('min_group_size') }}
        or coalesce(main.effect_se, onboarding.effect_se) is null as suppressed
    from programs
    left join main on programs.program_id = main.program_id and programs.kpi = main.kpi
    left join pretrend on programs.program_id = pretrend.program_id and programs.kpi = pretrend.kpi
    left join volume on programs.program_id = volume.program_id and programs.kpi = volume.kpi
    left join onboarding on programs.program_id = onboarding.program_id and programs.kpi = onboarding.kpi
    left join unmatched on programs.program_id = unmatched.program_id and programs.kpi = unmatched.kpi
    left join overlapping on programs.program_id = overlapping.program_id and programs.kpi = overlapping.kpi
    left join censored on programs.program_id = censored.program_id and programs.kpi = censored.kpi
    left join {{ ref('int_kpis__coverage') }} as coverage on programs.kpi = coverage.kpi
    left join completers on programs.program_id = completers.program_id
)

select
    estimates.*,
    round(estimates.effect_p_value_raw, 6) as effect_p_value,
    round(estimates.pretrend_p_value_raw, 6) as pretrend_p_value
from estimates
