{#- Search success over time, from the KPI facts themselves (int_kpis__person_weeks:
    search_success_rate and zero_result_rate, each person-week's numerator and
    denominator), so the trend and the programs' estimates read one definition. One row
    per week with searches; the rates are null (suppressed) in a week with fewer than
    min_group_size searchers, and no week after the KPIs' measurable_until is in the facts. -#}
{%- set min_group = var('min_group_size') -%}

with weeks as (
    select
        period_start as week_start,
        kpi,
        count(distinct person_key) as searchers,
        sum(denominator) as searches,
        sum(numerator) as hits
    from {{ ref('int_kpis__person_weeks') }}
    where kpi in ('search_success_rate', 'zero_result_rate')
        and denominator > 0
    group by period_start, kpi
),

pivoted as (
    select
        week_start,
        max(case when kpi = 'search_success_rate' then searchers end) as searchers,
        max(case when kpi = 'search_success_rate' then searches end) as searches,
        max(case when kpi = 'search_success_rate' then hits end) as successful,
        max(case when kpi = 'zero_result_rate' then hits end) as zero_result
    from weeks
    group by week_start
)

select
    week_start,
    cast(case when searchers >= {{ min_group }} then searchers end as {{ dbt.type_bigint() }}) as searchers,
    cast(case when searchers >= {{ min_group }} then searches end as {{ dbt.type_bigint() }}) as searches,
    case when searchers >= {{ min_group }} then successful / searches end as search_success_rate,
    case when searchers >= {{ min_group }} then zero_result / searches end as zero_result_rate,
    searchers < {{ min_group }} as suppressed
from pivoted
