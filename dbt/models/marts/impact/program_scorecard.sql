{#- The Kirkpatrick scorecard: one row per program, levels 1-5, with activity figures
    labelled as activity (not impact), and the program's verdict decided once: from its
    results KPIs' verdicts (program_impact.verdict_code) and its ROI status. A figure
    from fewer than min_group_size people is null, with the reason beside it. -#}
{%- set min_group = var('min_group_size') -%}

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
        count(distinct surveys.response_id) as reaction_responses,
        count(distinct surveys.respondent_email) as reaction_respondents
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
        avg(case when assessments.passed then {{ double_literal('1.0') }} when assessments.passed = false then {{ double_literal('0.0') }} end) as pass_rate,
        count(distinct assessments.learner_key) as people_assessed
    from {{ ref('int_learning__assessments') }} as assessments
    inner join courses on assessments.course_id = courses.course_id
    group by courses.program_id
),

impact as (
    select
        impact.*,
        catalogue.kirkpatrick_level,
        catalogue.label as kpi_label
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
        verdict_code as behaviour_outcome
    from ({{ latest_by("(select * from impact where kirkpatrick_level = 3) as level3", 'program_id', 'kpi') }}) as first_kpi
),

results as (
    select
        program_id,
        count(*) as results_kpis,
        sum(case when verdict_code = 'improved' then 1 else 0 end) as results_improved,
        sum(case when verdict_code = 'worsened' then 1 else 0 end) as results_worsened,
        sum(case when verdict_code = 'not_measured' then 1 else 0 end) as results_unmeasured,
        sum(case when verdict_code = 'not_credible' then 1 else 0 end) as results_not_credible,
        sum(case when verdict_code = 'inconclusive' then 1 else 0 end) as results_inconclusive,
        sum(case when verdict_code = 'no_effect' then 1 else 0 end) as results_no_effect,
        {{ dbt.listagg("kpi_label || ': ' || verdict_text || '.'", "' '", 'order by kpi') }} as results_text
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
        coalesce(reaction.reaction_respondents, 0) as reaction_respondents,
        case when activity.course_completions > 0
                then cast(coalesce(reaction.reaction_responses, 0) as {{ type_double() }}) / activity.course_completions
        end as reaction_response_rate,
        learning.mean_pre_score,
        learning.mean_post_score,
        learning.mean_score_gain,
        learning.pass_rate,
        coalesce(learning.people_assessed, 0) as people_assessed,
        behaviour.behaviour_kpi,
        behaviour.behaviour_kpi_unit,
        behaviour.behaviour_effect,
        behaviour.behaviour_outcome,
        coalesce(results.results_kpis, 0) as results_kpis,
        coalesce(results.results_improved, 0) as results_improved,
        coalesce(results.results_worsened, 0) as results_worsened,
        coalesce(results.results_unmeasured, 0) as results_unmeasured,
        coalesce(results.results_not_credible, 0) as results_not_credible,
        coalesce(results.results_inconclusive, 0) as results_inconclusive,
        coalesce(results.results_no_effect, 0) as results_no_effect,
        results.results_text,
        roi.roi_pct,
        roi.bcr,
        roi.roi_status
    from programs
    left join activity on programs.program_id = activity.program_id
    left join program_completion on programs.program_id = program_completion.program_id
    left join reaction on programs.program_id = reaction.program_id
    left join learning on programs.program_id = learning.program_id
    left join behaviour on programs.program_id = behaviour.program_id
    left join results on programs.program_id = results.program_id
    left join roi on programs.program_id = roi.program_id
),

-- The program's verdict, from its results KPIs' verdicts and its ROI status.
judged as (
    select
        assembled.*,
        case
            when assembled.learners_enrolled = 0 then 'no_participants'
            when assembled.results_kpis = 0 then 'no_results_kpi'
            when assembled.results_worsened > 0 then 'worsened'
            when assembled.results_improved > 0 and assembled.roi_pct > 0 then 'paid_for_itself'
            when assembled.results_improved > 0 then 'improved_not_paid'
            when assembled.results_unmeasured = assembled.results_kpis then 'not_measured'
            when assembled.results_inconclusive > 0 then 'inconclusive'
            when assembled.results_not_credible > 0 then 'not_credible'
            else 'no_effect'
        end as verdict_code
    from assembled
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(learners_enrolled as {{ dbt.type_bigint() }}) as activity_learners_enrolled,
    cast(learners_completed as {{ dbt.type_bigint() }}) as activity_learners_completed,
    cast(completion_rate as {{ type_double() }}) as activity_completion_rate,
    cast(learning_hours as {{ type_double() }}) as activity_learning_hours,
    cast(case when reaction_respondents >= {{ min_group }} then reaction_mean end as {{ type_double() }}) as l1_reaction_mean,
    cast(reaction_responses as {{ dbt.type_bigint() }}) as l1_reaction_responses,
    cast(reaction_respondents as {{ dbt.type_bigint() }}) as l1_respondents,
    cast(reaction_response_rate as {{ type_double() }}) as l1_reaction_response_rate,
    cast(
        case
            when reaction_respondents < {{ min_group }}
                then cast(reaction_respondents as {{ dbt.type_string() }}) || ' people answered, fewer than {{ min_group }}'
        end as {{ dbt.type_string() }}
    ) as l1_not_shown_reason,
    {%- for col in ['mean_pre_score', 'mean_post_score', 'mean_score_gain', 'pass_rate'] %}
        cast(case when people_assessed >= {{ min_group }} then {{ col }} end as {{ type_double() }}) as l2_{{ col }},
    {%- endfor %}
    cast(people_assessed as {{ dbt.type_bigint() }}) as l2_people_assessed,
    cast(
        case
            when people_assessed = 0 then 'no assessment'
            when people_assessed < {{ min_group }}
                then cast(people_assessed as {{ dbt.type_string() }}) || ' people assessed, fewer than {{ min_group }}'
        end as {{ dbt.type_string() }}
    ) as l2_not_shown_reason,
    cast(behaviour_kpi as {{ dbt.type_string() }}) as l3_behaviour_kpi,
    cast(behaviour_kpi_unit as {{ dbt.type_string() }}) as l3_behaviour_kpi_unit,
    cast(behaviour_effect as {{ type_double() }}) as l3_behaviour_effect,
    cast(behaviour_outcome as {{ dbt.type_string() }}) as l3_behaviour_outcome,
    cast(results_kpis as {{ dbt.type_bigint() }}) as l4_results_kpis,
    cast(results_improved as {{ dbt.type_bigint() }}) as l4_results_improved,
    cast(results_worsened as {{ dbt.type_bigint() }}) as l4_results_worsened,
    cast(results_not_credible as {{ dbt.type_bigint() }}) as l4_results_not_credible,
    cast(results_inconclusive as {{ dbt.type_bigint() }}) as l4_results_inconclusive,
    cast(results_no_effect as {{ dbt.type_bigint() }}) as l4_results_no_effect,
    cast(results_unmeasured as {{ dbt.type_bigint() }}) as l4_results_not_measured,
    cast(roi_pct as {{ type_double() }}) as l5_roi_pct,
    cast(bcr as {{ type_double() }}) as l5_bcr,
    cast(roi_status as {{ dbt.type_string() }}) as l5_roi_status,
    cast(verdict_code as {{ dbt.type_string() }}) as verdict_code,
    cast(
        case verdict_code
            when 'no_participants' then 'No one has taken part yet.'
            when 'no_results_kpi' then 'No results KPI is configured for it.'
            when 'worsened' then 'A results KPI got worse after training.'
            when 'paid_for_itself'
                then 'It measurably improved results and paid for itself in the first year (ROI +'
                    || cast(round(roi_pct, 1) as {{ dbt.type_string() }}) || ' %).'
            when 'improved_not_paid'
                then 'It measurably improved results but has not paid for itself in the first year'
                    || coalesce(' (ROI ' || cast(round(roi_pct, 1) as {{ dbt.type_string() }}) || ' %)', '') || '.'
            when 'not_measured' then 'Not measured: too few people could be measured.'
            when 'inconclusive' then 'Inconclusive: its effect on results could be neither told apart from zero nor ruled out.'
            when 'not_credible' then 'Not credible: the groups diverged before training, so no effect can be credited to it.'
            else 'No effect on its results: the intervals rule out the changes the KPI owners expected.'
        end
        || coalesce(' ' || results_text, '')
        as {{ dbt.type_string() }}
    ) as verdict_text
from judged
