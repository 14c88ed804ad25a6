{#- Per treated person x program x KPI: the KPI before and after, beside the matched
    comparisons' change over the same calendar windows. For drill-down in BI: people
    appear only as person_key. -#}
{{ config(contract={'enforced': true}) }}

with units as (
    select * from {{ ref('int_impact__matched_units') }}
),

comparison_change as (
    select
        program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band, baseline_band,
        avg(change_value) as comparison_change
    from units
    where unit_role = 'comparison'
    group by program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band, baseline_band
)

select
    cast(units.person_key as {{ dbt.type_string() }}) as person_key,
    cast(units.program_id as {{ dbt.type_string() }}) as program_id,
    cast(units.kpi as {{ dbt.type_string() }}) as kpi,
    cast(units.registration_week as date) as registration_week,
    cast(units.completion_week as date) as completion_week,
    cast(units.pre_value as {{ type_double() }}) as pre_value,
    cast(units.post_value as {{ type_double() }}) as post_value,
    cast(units.change_value as {{ type_double() }}) as change_value,
    cast(comparison_change.comparison_change as {{ type_double() }}) as comparison_change,
    cast(units.change_value - comparison_change.comparison_change as {{ type_double() }}) as did_value,
    cast(units.is_matched as boolean) as is_matched
from units
left join comparison_change
    on units.program_id = comparison_change.program_id
    and units.kpi = comparison_change.kpi
    and units.registration_week = comparison_change.registration_week
    and units.completion_week = comparison_change.completion_week
    and units.job_family = comparison_change.job_family
    and units.job_level = comparison_change.job_level
    and units.tenure_band = comparison_change.tenure_band
    and units.baseline_band = comparison_change.baseline_band
where units.unit_role = 'treated'
