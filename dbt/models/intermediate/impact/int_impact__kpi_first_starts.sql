{#- From when each person's KPI carries a program aimed at it: contaminated_from is
    anticipation_weeks before they first started one. People are nominated after a bad
    spell, and a comparison in the dip before its own nomination would make the trained
    look better: the not-yet-treated must stay untreated through the anticipation gap,
    as in Callaway & Sant'Anna. So a comparison must not be contaminated before the end
    of the cohort's post window (int_impact__comparison_pool, int_impact__comparisons),
    and every unit, treated or comparison, carries its contaminated_from: the event
    study stops using a comparison from there. -#}
{{ config(materialized='ephemeral') }}

select
    person_key,
    kpi,
    cast(
        {{ dbt.dateadd('week', -anticipation_weeks(), 'min(cast(started_at as date))') }} as date
    ) as contaminated_from
from {{ ref('int_impact__kpi_enrolments') }}
group by person_key, kpi
