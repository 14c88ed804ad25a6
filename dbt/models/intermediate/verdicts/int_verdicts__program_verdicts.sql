{#- Each program's verdict, decided here once (every surface renders it): from its
    results KPIs' verdicts (int_verdicts__program_results) and its ROI (program_roi).
    One row per program in programs.csv. -#}

with program_learning as (
    select * from {{ ref('int_verdicts__program_learning') }}
),

program_results as (
    select * from {{ ref('int_verdicts__program_results') }}
),

program_roi as (
    select * from {{ ref('program_roi') }}
),

-- A worsened results KPI outweighs any improvement; a program that improved results
-- paid for itself only with a positive ROI.
judged as (
    select
        program_learning.program_id,
        case
            when program_learning.learners_enrolled = 0 then 'no_participants'
            when program_results.results_kpis = 0 then 'no_results_kpi'
            when program_results.results_worsened > 0 then 'worsened'
            when program_results.results_improved > 0 and program_roi.roi_pct > 0 then 'paid_for_itself'
            when program_results.results_improved > 0 then 'improved_not_paid'
            when program_results.results_unmeasured = program_results.results_kpis then 'not_measured'
            when program_results.results_inconclusive > 0 then 'inconclusive'
            when program_results.results_not_credible > 0 then 'not_credible'
            else 'no_effect'
        end as verdict_code
    from program_learning
    left join program_results on program_learning.program_id = program_results.program_id
    left join program_roi on program_learning.program_id = program_roi.program_id
)

select * from judged
