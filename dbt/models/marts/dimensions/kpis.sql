{#- The KPI catalogue as published: what a BI tool joins kpi to for its unit, which
    way is better, its grain, Kirkpatrick level, source and meaning, with the fixed cap
    and censoring buffer that define it and how many measured events sit at the cap. -#}
with measured as (
    select
        kpi,
        sum(denominator) as n_events_measured,
        sum(case when is_at_cap then 1 else 0 end) as n_events_at_cap
    from {{ ref('int_kpis__measured_events') }}
    group by kpi
)

select
    cast(catalogue.kpi as {{ dbt.type_string() }}) as kpi,
    cast(catalogue.label as {{ dbt.type_string() }}) as kpi_label,
    cast(catalogue.description as {{ dbt.type_string() }}) as kpi_description,
    cast(catalogue.unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(catalogue.better_direction as {{ dbt.type_string() }}) as better_direction,
    cast(catalogue.grain as {{ dbt.type_string() }}) as kpi_grain,
    cast(catalogue.kirkpatrick_level as {{ dbt.type_int() }}) as kirkpatrick_level,
    cast(catalogue.source_system as {{ dbt.type_string() }}) as source_system,
    cast(catalogue.dated_by as {{ dbt.type_string() }}) as dated_by,
    cast(catalogue.censoring as {{ dbt.type_string() }}) as censoring,
    cast(catalogue.value_cap as {{ type_double() }}) as value_cap,
    cast(catalogue.buffer_days as {{ dbt.type_int() }}) as censoring_buffer_days,
    cast(measured.n_events_measured as {{ dbt.type_bigint() }}) as n_events_measured,
    cast(measured.n_events_at_cap as {{ dbt.type_bigint() }}) as n_events_at_cap
from {{ ref('kpi_catalogue') }} as catalogue
left join measured on catalogue.kpi = measured.kpi
