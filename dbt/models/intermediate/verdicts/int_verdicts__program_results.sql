{#- The scorecard's impact levels per program, from program_impact's verdicts:
    behaviour (Kirkpatrick level 3, one KPI) and results (level 4, every results KPI's
    verdict counted and listed in words). One row per program in programs.csv. -#}

with programs as (
    select distinct program_id from {{ ref('stg_config__programs') }}
),

program_impact as (
    select * from {{ ref('program_impact') }}
),

catalogue as (
    select * from {{ ref('kpi_catalogue') }}
),

impact as (
    select
        program_impact.*,
        catalogue.kirkpatrick_level,
        catalogue.label as kpi_label
    from program_impact
    inner join catalogue on program_impact.kpi = catalogue.kpi
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

assembled as (
    select
        programs.program_id,
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
        results.results_text
    from programs
    left join behaviour on programs.program_id = behaviour.program_id
    left join results on programs.program_id = results.program_id
)

select * from assembled
