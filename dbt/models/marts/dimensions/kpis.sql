{#- The KPI catalogue as published: what a BI tool joins kpi to for its unit, which
    way is better, its grain, Kirkpatrick level, source and meaning. -#}
select
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(description as {{ dbt.type_string() }}) as kpi_description,
    cast(unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(better_direction as {{ dbt.type_string() }}) as better_direction,
    cast(grain as {{ dbt.type_string() }}) as kpi_grain,
    cast(kirkpatrick_level as {{ dbt.type_int() }}) as kirkpatrick_level,
    cast(source_system as {{ dbt.type_string() }}) as source_system,
    cast(dated_by as {{ dbt.type_string() }}) as dated_by,
    cast(censoring as {{ dbt.type_string() }}) as censoring
from {{ ref('kpi_catalogue') }}
