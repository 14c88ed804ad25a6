{{ person_kpi_by_period('month') }}
