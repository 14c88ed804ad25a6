{#- The Kirkpatrick scorecard: one row per program, levels 1-5, with activity figures
    labelled as activity (not impact) and a verdict in words. -#}
{% set high_completion = 0.7 %}

with programs as (
    select
        program_id,
        max(program_name) as program_name
    from {{ ref('stg_config__programs') }}
    group by program_id
),

courses as (
    select * from {{ ref('stg_lms__courses') }}
),

enrolments as (
    select * from {{ ref('int_learning__course_enrolments') }}
),

activity as (
    select
        program_id,
        count(distinct learner_key) as learners_enrolled,
        sum(case when completed_at is not null then duration_hours else 0 end) as learning_hours,
        sum(case when completed_at is not null then 1 else 0 end) as course_completions
    from enrolments
    group by program_id
),

program_completion as (
    select
        program_id,
        sum(case when is_completed then 1 else 0 end) as learners_completed,
        cast(sum(case when is_completed then 1 else 0 end) as {{ type_double() }}) / count(*) as completion_rate
    from {{ ref('int_learning__program_enrolments') }}
    group by program_id
),

reaction as (
    select
        courses.program_id,
        avg(cast(surveys.score as {{ type_double() }})) as reaction_mean,
        count(distinct surveys.response_id) as reaction_responses
    from {{ ref('stg_lms__surveys') }} as surveys
    inner join courses on surveys.course_id = courses.course_id
    group by courses.program_id
),

learning as (
    select
        courses.program_id,
        avg(assessments.pre_score) as mean_pre_score,
        avg(assessments.post_score) as mean_post_score,
        avg(assessments.score_gain) as mean_score_gain,
        avg(case when assessments.passed then {{ double_literal('1.0') }} when assessments.passed = false then {{ double_literal('0.0') }} end) as pass_rate
    from {{ ref('int_learning__assessments') }} as assessments
    inner join courses on assessments.course_id = courses.course_id
    group by courses.program_id
),

impact as (
    select
        impact.*,
        catalogue.kirkpatrick_level,
        -- A KPI moved only when program_impact.is_significant says so (the one rule), and only when the groups did not already diverge before training.
        case
            when impact.suppressed or impact.effect is null then 'unmeasured'
            when impact.pretrend_ok = false then 'not credible'
            when not impact.is_significant then 'no change'
            when (impact.effect < 0) = (impact.better_direction = 'decrease') then 'improved'
            else 'worsened'
        end as outcome
    from {{ ref('program_impact') }} as impact
    inner join {{ ref('kpi_catalogue') }} as catalogue on impact.kpi = catalogue.kpi
),

-- One behaviour KPI per program (the first by name when several are configured),
-- its figures taken from the same row.
behaviour as (
    select
        program_id,
        kpi as behaviour_kpi,
        kpi_unit as behaviour_kpi_unit,
        effect as behaviour_effect,
        outcome as behaviour_outcome
    from ({{ latest_by("(select * from impact where kirkpatrick_level = 3) as level3", 'program_id', 'kpi') }}) as first_kpi
),

results as (
    select
        program_id,
        count(*) as results_kpis,
        sum(case when outcome = 'improved' then 1 else 0 end) as results_improved,
        sum(case when outcome = 'worsened' then 1 else 0 end) as results_worsened,
        sum(case when outcome = 'unmeasured' then 1 else 0 end) as results_unmeasured,
        sum(case when outcome = 'not credible' then 1 else 0 end) as results_not_credible
    from impact
    where kirkpatrick_level = 4
    group by program_id
),

roi as (
    select * from {{ ref('program_roi') }}
),

assembled as (
    select
        programs.program_id,
        programs.program_name,
        coalesce(activity.learners_enrolled, 0) as learners_enrolled,
        coalesce(program_completion.learners_completed, 0) as learners_completed,
        program_completion.completion_rate,
        coalesce(activity.learning_hours, 0) as learning_hours,
        reaction.reaction_mean,
        coalesce(reaction.reaction_responses, 0) as reaction_responses,
        case when activity.course_completions > 0
                then cast(coalesce(reaction.reaction_responses, 0) as {{ type_double() }}) / activity.course_completions
        end as reaction_response_rate,
        learning.mean_pre_score,
        learning.mean_post_score,
        learning.mean_score_gain,
        learning.pass_rate,
        behaviour.behaviour_kpi,
        behaviour.behaviour_kpi_unit,
        behaviour.behaviour_effect,
        behaviour.behaviour_outcome,
        coalesce(results.results_kpis, 0) as results_kpis,
        coalesce(results.results_improved, 0) as results_improved,
        coalesce(results.results_worsened, 0) as results_worsened,
        coalesce(results.results_unmeasured, 0) as results_unmeasured,
        coalesce(results.results_not_credible, 0) as results_not_credible,
        roi.roi_pct,
        roi.bcr
    from programs
    left join activity on programs.program_id = activity.program_id
    left join program_completion on programs.program_id = program_completion.program_id
    left join reaction on programs.program_id = reaction.program_id
    left join learning on programs.program_id = learning.program_id
    left join behaviour on programs.program_id = behaviour.program_id
    left join results on programs.program_id = results.program_id
    left join roi on programs.program_id = roi.program_id
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(learners_enrolled as {{ dbt.type_bigint() }}) as activity_learners_enrolled,
    cast(learners_completed as {{ dbt.type_bigint() }}) as activity_learners_completed,
    cast(completion_rate as {{ type_double() }}) as activity_completion_rate,
    cast(learning_hours as {{ type_double() }}) as activity_learning_hours,
    cast(reaction_mean as {{ type_double() }}) as l1_reaction_mean,
    cast(reaction_responses as {{ dbt.type_bigint() }}) as l1_reaction_responses,
    cast(reaction_response_rate as {{ type_double() }}) as l1_reaction_response_rate,
    cast(mean_pre_score as {{ type_double() }}) as l2_mean_pre_score,
    cast(mean_post_score as {{ type_double() }}) as l2_mean_post_score,
    cast(mean_score_gain as {{ type_double() }}) as l2_mean_score_gain,
    cast(pass_rate as {{ type_double() }}) as l2_pass_rate,
    cast(behaviour_kpi as {{ dbt.type_string() }}) as l3_behaviour_kpi,
    cast(behaviour_kpi_unit as {{ dbt.type_string() }}) as l3_behaviour_kpi_unit,
    cast(behaviour_effect as {{ type_double() }}) as l3_behaviour_effect,
    cast(behaviour_outcome as {{ dbt.type_string() }}) as l3_behaviour_outcome,
    cast(results_kpis as {{ dbt.type_bigint() }}) as l4_results_kpis,
    cast(results_improved as {{ dbt.type_bigint() }}) as l4_results_improved,
    cast(results_worsened as {{ dbt.type_bigint() }}) as l4_results_worsened,
    cast(results_not_credible as {{ dbt.type_bigint() }}) as l4_results_not_credible,
    cast(roi_pct as {{ type_double() }}) as l5_roi_pct,
    cast(bcr as {{ type_double() }}) as l5_bcr,
    cast(
        case
            when learners_enrolled = 0 then 'no enrolments yet, '
            when completion_rate >= {{ high_completion }} then 'completion high, '
            else 'completion low, '
        end
        || case
            when results_kpis = 0 then 'no results KPI configured'
            when results_unmeasured = results_kpis then 'too few completers to measure impact'
            when results_not_credible > 0 and results_improved = 0
                then 'groups diverged before training; effect not credible'
            when results_worsened > 0 then 'results KPI worsened after training'
            when results_improved > 0 and roi_pct > 0 then 'measurable impact, positive ROI'
            when results_improved > 0 then 'measurable impact, ROI not yet positive'
            else 'no measurable impact'
        end
        as {{ dbt.type_string() }}
    ) as verdict
from assembled
