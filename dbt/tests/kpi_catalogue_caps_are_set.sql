{#- Every event-grain KPI has its fixed censoring buffer, and every restricted mean its
    cap, in the catalogue: nothing falls back to a value computed from the data. -#}
select kpi
from {{ ref('kpi_catalogue') }}
where (censoring <> 'none' and (buffer_days is null or buffer_days < 0))
    or (censoring = 'restricted_mean' and (value_cap is null or value_cap <= 0))
