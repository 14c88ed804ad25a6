{#- Per treated person x program x KPI: the KPI before and after, beside the matched
    comparisons' change over the same calendar windows, adjusted for teammates'
    spillover (of this program and of the KPI's others) as the program's effect is. The
    matched people's did_value averages to the pooled estimate (int_impact__did);
    program_impact.effect averages over event time instead (int_impact__effects). For
    drill-down in BI: people appear only as person_key. -#}
with units as (
    select
        units.*,
        units.stratum_comparison_change - coalesce(did.spillover, 0) * coalesce(units.stratum_comparison_exposure, 0)
        + coalesce(did.other_spillover, 0)
        * (coalesce(units.other_exposure_change, 0) - coalesce(units.stratum_comparison_other_exposure, 0))
            as counterfactual_change
    from {{ ref('int_impact__matched_units') }} as units
    left join {{ ref('int_impact__did') }} as did on units.program_id = did.program_id and units.kpi = did.kpi
),

-- A suppressed program x KPI shows no figures anywhere: its learners' rows are left out too.
published as (
    select
        program_id,
        program_name,
        kpi,
        kpi_unit
    from {{ ref('program_impact') }}
    where not suppressed
)

select
    cast(units.person_key as {{ dbt.type_string() }}) as person_key,
    cast(units.program_id as {{ dbt.type_string() }}) as program_id,
    cast(published.program_name as {{ dbt.type_string() }}) as program_name,
    cast(units.kpi as {{ dbt.type_string() }}) as kpi,
    cast(published.kpi_unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(units.registration_week as date) as registration_week,
    cast(units.completion_week as date) as completion_week,
    cast(units.pre_value as {{ type_double() }}) as pre_value,
    cast(units.post_value as {{ type_double() }}) as post_value,
    cast(units.change_value as {{ type_double() }}) as change_value,
    cast(units.counterfactual_change as {{ type_double() }}) as comparison_change,
    cast(units.change_value - units.counterfactual_change as {{ type_double() }}) as did_value,
    cast(units.is_matched as boolean) as is_matched
from units
inner join published on units.program_id = published.program_id and units.kpi = published.kpi
where units.unit_role = 'treated'
