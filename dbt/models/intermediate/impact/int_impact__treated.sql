{#- The treated of each program: its completers (int_impact__kpi_enrolments), with the
    week they registered and the week they completed. A cohort is the treated people of
    a program who registered in the same week and completed in the same week (cohorts
    are staggered: int_impact__cohorts).

    Completers whose windows overlap another program on the same KPI
    (int_impact__overlaps) are nobody's treated: the same change would be credited to
    both programs. -#}
{{ config(materialized='ephemeral') }}

with completers as (
    select
        program_id,
        kpi,
        person_key,
        cast({{ dbt.date_trunc('week', 'first_registered_at') }} as date) as registration_week,
        cast({{ dbt.date_trunc('week', 'completed_at') }} as date) as completion_week
    from {{ ref('int_impact__kpi_enrolments') }}
    where is_completed
)

select completers.*
from completers
left join {{ ref('int_impact__overlaps') }} as overlapping
    on completers.program_id = overlapping.program_id
        and completers.kpi = overlapping.kpi
        and completers.person_key = overlapping.person_key
where overlapping.person_key is null
