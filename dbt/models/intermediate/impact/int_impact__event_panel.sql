{#- The matched panel by 2-week bin relative to the program: one row per matched unit
    (int_impact__matched_units) x bin with KPI data, the unit's value in the bin beside
    its pre-window value (the reference). Bins run from event_weeks() before the
    registration week (bin -1 = the 2 weeks just before it) to as many weeks after
    completion (bin 1 = the 2 weeks from post_start); the training itself is left out.
    A bin must lie inside the KPI's data (data_start, measurable_until); a comparison
    stops counting from the week they started this program or another on the same KPI.
    exposure_change: how much more of the bin than of the pre window a comparison's team
    had been exposed to training on the KPI; other_exposure_change: the same for any
    unit's team and the KPI's other programs. -#}
with units as (
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
        units.pre_value,
        units.contaminated_from,
        units.team_exposed_from,
        units.pre_exposed_share,
        units.other_team_exposed_from,
        units.pre_other_exposed_share,
        {{ impact_window_columns('units.registration_week', 'units.completion_week') }},
        -- The KPI weeks are grouped by this compact number (not by the unit's columns),
        -- then joined back to the unit.
        row_number() over (
            order by
                units.program_id, units.kpi, units.registration_week, units.completion_week,
                units.person_key, units.unit_role
        ) as unit_number
    from {{ ref('int_impact__matched_units') }} as units
    where units.unit_role in ('treated', 'comparison')
),

coverage as (
    select * from {{ ref('int_kpis__coverage') }}
),

weeks as (
    select
        units.unit_number,
        kpi_week.numerator,
        kpi_week.denominator,
        case when units.team_exposed_from <= kpi_week.period_start then 1.0 else 0.0 end as is_exposed,
        case when units.other_team_exposed_from <= kpi_week.period_start then 1.0 else 0.0 end as is_other_exposed,
        case
            when kpi_week.period_start < units.registration_week
                then -cast(
                        ceil(
                            {{ dbt.datediff('kpi_week.period_start', 'units.registration_week', 'day') }} / 14.0
                        ) as {{ dbt.type_int() }}
                    )
            else cast(
                    ceil(
                        ({{ dbt.datediff('units.post_start', 'kpi_week.period_start', 'day') }} + 7) / 14.0
                    ) as {{ dbt.type_int() }}
                )
        end as relative_bin
    from units
    inner join coverage on units.kpi = coverage.kpi
    inner join {{ ref('int_kpis__person_weeks') }} as kpi_week
        on units.person_key = kpi_week.person_key
            and units.kpi = kpi_week.kpi
            and (
                (units.event_start <= kpi_week.period_start and units.registration_week > kpi_week.period_start)
                or (units.post_start <= kpi_week.period_start and units.event_end > kpi_week.period_start)
            )
            and coverage.data_start <= kpi_week.period_start
            and {{ dbt.dateadd('day', 7, 'kpi_week.period_start') }} <= coverage.measurable_until
    where units.unit_role = 'treated'
        or units.contaminated_from is null
        or {{ dbt.dateadd('day', 7, 'kpi_week.period_start') }} <= units.contaminated_from
),

bins as (
    select
        unit_number,
        relative_bin,
        sum(numerator) as bin_numerator,
        sum(denominator) as bin_events,
        avg(is_exposed) as bin_exposed_share,
        avg(is_other_exposed) as bin_other_exposed_share
    from weeks
    group by unit_number, relative_bin
    having sum(denominator) > 0
)

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
    bins.relative_bin,
    units.pre_value,
    bins.bin_numerator / bins.bin_events as bin_value,
    bins.bin_events,
    -- a comparison's team's exposure to training in the bin against the pre window
    -- (did_estimate's spillover adjustment; 0 for the treated)
    case when units.unit_role = 'comparison' then bins.bin_exposed_share - units.pre_exposed_share else 0 end as exposure_change,
    -- the unit's team's exposure to the KPI's other programs, treated or comparison
    bins.bin_other_exposed_share - units.pre_other_exposed_share as other_exposure_change
from bins
inner join units on bins.unit_number = units.unit_number
