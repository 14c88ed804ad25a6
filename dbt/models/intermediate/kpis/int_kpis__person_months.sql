{{ config(
    materialized=incremental_materialization(),
    unique_key=['person_key', 'kpi', 'period_start'],
    incremental_strategy='delete+insert',
    pre_hook=[
        "{{ rebuild_when_rebuilt(ref('int_kpis__events')) }}",
        "{{ rebuild_after_kpi_settings_change() }}",
    ],
    post_hook="{{ drop_tombstones() }}",
) }}
-- depends_on: {{ ref('int_kpis__events') }}
{{ person_kpi_by_period('month') }}
