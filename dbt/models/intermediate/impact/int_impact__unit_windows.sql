{#- Each unit's KPI in its windows (int_impact__units): the sums of the KPI's
    numerator and denominator over the pre and post windows (int_kpis__person_weeks),
    their ratios (pre_value, post_value), how many weeks each window has, and the
    shares of each window after the unit's team was first exposed. Units with no KPI
    events in either window are left out (nothing to difference). -#}
{{ config(materialized='ephemeral') }}

with units as (
    select
        units.*,
        -- A compact unit number: the range join below yields one row per unit and week
        -- of its span, grouped by this number (not by the unit's ten columns), then
        -- joined back to the unit.
        row_number() over (
            order by
                units.program_id, units.kpi, units.registration_week,
                units.completion_week, units.person_key, units.unit_role
        ) as unit_number
    from {{ ref('int_impact__units') }} as units
),

window_sums as (
    select
        units.unit_number,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.numerator end) as pre_num,
        sum(case when kpi.period_start >= units.pre_start and kpi.period_start < units.pre_end then kpi.denominator end) as pre_den,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.numerator end) as post_num,
        sum(case when kpi.period_start >= units.post_start and kpi.period_start < units.post_end then kpi.denominator end) as post_den
    from units
    inner join {{ ref('int_kpis__person_weeks') }} as kpi
        on units.person_key = kpi.person_key
            and units.kpi = kpi.kpi
            and units.pre_start <= kpi.period_start
            and units.post_end > kpi.period_start
    group by units.unit_number
),

windowed as (
    select
        units.program_id,
        units.kpi,
        units.registration_week,
        units.completion_week,
        units.person_key,
        units.unit_role,
        units.job_family,
        units.job_level,
        units.tenure_band,
        units.contaminated_from,
        {{ dbt.datediff('units.pre_start', 'units.pre_end', 'day') }} / 7 as pre_weeks,
        {{ dbt.datediff('units.post_start', 'units.post_end', 'day') }} / 7 as post_weeks,
        -- The shares of each window after a comparison's team was first exposed to the
        -- program (none for the treated): exposure_change, below, is what a teammate's
        -- spillover is proportional to (did_estimate adjusts for it).
        units.team_exposed_from,
        {{ exposed_share('units.team_exposed_from', 'units.pre_start', 'units.pre_end') }} as pre_exposed_share,
        {{ exposed_share('units.team_exposed_from', 'units.post_start', 'units.post_end') }} as post_exposed_share,
        units.other_team_exposed_from,
        {{ exposed_share('units.other_team_exposed_from', 'units.pre_start', 'units.pre_end') }} as pre_other_exposed_share,
        {{ exposed_share('units.other_team_exposed_from', 'units.post_start', 'units.post_end') }} as post_other_exposed_share,
        window_sums.pre_num,
        window_sums.pre_den,
        window_sums.post_num,
        window_sums.post_den
    from units
    inner join window_sums on units.unit_number = window_sums.unit_number
)

select
    windowed.*,
    windowed.post_exposed_share - windowed.pre_exposed_share as exposure_change,
    windowed.post_other_exposed_share - windowed.pre_other_exposed_share as other_exposure_change,
    windowed.pre_num / windowed.pre_den as pre_value,
    windowed.post_num / windowed.post_den as post_value
from windowed
where windowed.pre_den > 0 and windowed.post_den > 0
