{{ person_kpi_by_period('week') }}
