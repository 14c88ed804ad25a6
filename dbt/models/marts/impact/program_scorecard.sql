{#- The Kirkpatrick scorecard: one row per program, levels 1-5, with activity figures
    labelled as activity (not impact), and the program's verdict in words
    (int_verdicts__program_verdicts decides it from its results KPIs' verdicts,
    program_impact.verdict_code, and its ROI status). A figure from fewer than
    min_group_size people is null, with the reason beside it. -#}
{%- set min_group = var('min_group_size') -%}

with program_learning as (
    select * from {{ ref('int_verdicts__program_learning') }}
),

program_results as (
    select * from {{ ref('int_verdicts__program_results') }}
),

program_roi as (
    select * from {{ ref('program_roi') }}
),

program_verdicts as (
    select * from {{ ref('int_verdicts__program_verdicts') }}
),

assembled as (
    select
        program_learning.*,
        program_results.behaviour_kpi,
        program_results.behaviour_kpi_unit,
        program_results.behaviour_effect,
        program_results.behaviour_outcome,
        program_results.results_kpis,
        program_results.results_improved,
        program_results.results_worsened,
        program_results.results_unmeasured,
        program_results.results_not_credible,
        program_results.results_inconclusive,
        program_results.results_no_effect,
        program_results.results_text,
        program_roi.roi_pct,
        program_roi.bcr,
        program_roi.roi_status,
        program_verdicts.verdict_code
    from program_learning
    left join program_results on program_learning.program_id = program_results.program_id
    left join program_roi on program_learning.program_id = program_roi.program_id
    left join program_verdicts on program_learning.program_id = program_verdicts.program_id
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
from assembled
