{#- Each program's first-year benefits, summed over its KPIs (int_roi__kpi_benefits:
    each KPI's measured path at the end of its interval nearest zero, every completer at
    the measured effect), and why there is an ROI or why not (roi_status), decided here
    once. One row per program in programs.csv. -#}

with programs as (
    select distinct program_id from {{ ref('stg_config__programs') }}
),

kpi_benefits as (
    select * from {{ ref('int_roi__kpi_benefits') }}
),

benefits as (
    select
        program_id,
        max(n_benefiting) as n_benefiting,
        sum(benefit_measured) as benefit_measured,
        sum(benefit_projected) as benefit_projected,
        max(benefit_horizon_weeks) as benefit_horizon_weeks,
        avg(case when benefit_basis = 'per_event' then events_per_participant_month end) as events_per_participant_month,
        count(*) as n_kpis,
        sum(case when earns then 1 else 0 end) as n_kpis_earning,
        sum(case when verdict_code = 'not_measured' then 1 else 0 end) as n_kpis_not_measured,
        sum(case when verdict_code = 'inconclusive' then 1 else 0 end) as n_kpis_inconclusive,
        sum(case when verdict_code = 'not_credible' then 1 else 0 end) as n_kpis_not_credible
    from kpi_benefits
    group by program_id
),

-- An ROI only when at least one KPI's effect was measured, credible and significant.
judged as (
    select
        programs.program_id,
        coalesce(benefits.n_benefiting, 0) as n_benefiting,
        coalesce(benefits.benefit_measured, 0) as benefit_measured,
        coalesce(benefits.benefit_projected, 0) as benefit_projected,
        coalesce(benefits.benefit_measured, 0) + coalesce(benefits.benefit_projected, 0) as benefit,
        benefits.benefit_horizon_weeks,
        benefits.events_per_participant_month,
        case
            when coalesce(benefits.n_kpis, 0) = 0 then 'no_kpi'
            when benefits.n_kpis_earning > 0 then 'measured'
            when benefits.n_kpis_not_measured = benefits.n_kpis then 'not_measured'
            when benefits.n_kpis_inconclusive > 0 then 'inconclusive'
            when benefits.n_kpis_not_credible > 0 then 'not_credible'
            else 'no_effect'
        end as roi_status,
        coalesce(benefits.n_kpis, 0) as n_kpis,
        coalesce(benefits.n_kpis_earning, 0) as n_kpis_earning
    from programs
    left join benefits on programs.program_id = benefits.program_id
)

select * from judged
