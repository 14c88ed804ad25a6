-- depends_on: {{ ref('int_kpis__events') }}
{{ person_kpi_by_period('month') }}
