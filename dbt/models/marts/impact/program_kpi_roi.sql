{#- Phillips ROI per program x KPI: what each KPI's effect returned, beside the program's
    total, so that "what did the ticket-time effect return?" has a row. The program's
    cost is not split between its KPIs (no split would be true): each KPI's benefit is
    set against the program's whole cost. -#}
with kpi_benefits as (
    select * from {{ ref('int_roi__kpi_benefits') }}
),

roi as (
    select * from {{ ref('program_roi') }}
)

select
    cast(kpi_benefits.program_id as {{ dbt.type_string() }}) as program_id,
    cast(roi.program_name as {{ dbt.type_string() }}) as program_name,
    cast(kpi_benefits.kpi as {{ dbt.type_string() }}) as kpi,
    cast(kpi_benefits.verdict_code as {{ dbt.type_string() }}) as verdict_code,
    cast(kpi_benefits.earns as boolean) as earns_benefit,
    cast(kpi_benefits.benefit_per_unit as {{ type_double() }}) as benefit_per_unit,
    cast(kpi_benefits.n_benefiting as {{ dbt.type_bigint() }}) as n_benefiting,
    cast(case when kpi_benefits.earns then kpi_benefits.benefit_measured end as {{ type_double() }}) as benefit_measured,
    cast(case when kpi_benefits.earns then kpi_benefits.benefit_projected end as {{ type_double() }}) as benefit_projected,
    cast(case when kpi_benefits.earns then kpi_benefits.benefit_horizon_weeks end as {{ dbt.type_int() }}) as benefit_horizon_weeks,
    cast(
        case when kpi_benefits.earns then kpi_benefits.benefit_measured + kpi_benefits.benefit_projected end
        as {{ type_double() }}
    ) as benefit,
    cast(
        case
            when kpi_benefits.earns and kpi_benefits.benefit_per_unit <> 0 and roi.cost_total > 0
                then 100.0 * (kpi_benefits.benefit_measured + kpi_benefits.benefit_projected - roi.cost_total) / roi.cost_total
        end as {{ type_double() }}
    ) as roi_pct_alone,
    cast(
        case
            when kpi_benefits.earns and roi.benefit <> 0
                then (kpi_benefits.benefit_measured + kpi_benefits.benefit_projected) / roi.benefit
        end as {{ type_double() }}
    ) as share_of_program_benefit,
    cast(roi.cost_total as {{ type_double() }}) as program_cost_total,
    cast(roi.benefit as {{ type_double() }}) as program_benefit,
    cast(roi.roi_pct as {{ type_double() }}) as program_roi_pct,
    cast(roi.roi_status as {{ dbt.type_string() }}) as program_roi_status,
    cast(roi.currency as {{ dbt.type_string() }}) as currency
from kpi_benefits
inner join roi on kpi_benefits.program_id = roi.program_id
