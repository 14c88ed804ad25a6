{#- The matched panel by 2-week bin relative to the program: one row per matched unit
    (int_impact__matched_units) x bin with KPI data, the unit's value in the bin beside
    its pre-window value (the reference). Bins run from event_weeks() before the
    registration week (bin -1 = the 2 weeks just before it) to as many weeks after
    completion (bin 1 = the 2 weeks from post_start); the training itself is left out.
    A bin must lie inside the KPI's data (data_start, measurable_until); a comparison
    stops counting from the week they started this program or another on the same KPI. -#}
with units as (
    select * from {{ ref('int_impact__matched_units') }}
    where unit_role in ('treated', 'comparison')
),

cohorts as (
    select distinct
        program_id,
        kpi,
        registration_week,
        completion_week,
        {{ impact_window_columns('registration_week', 'completion_week') }}
    from units
),

coverage as (
    select * from {{ ref('int_kpis__coverage') }}
),

weeks as (
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
        units.baseline_band,
        units.pre_value,
        kpi_week.numerator,
        kpi_week.denominator,
        case
            when kpi_week.period_start < units.registration_week
                then -cast(
                        ceil(                                                                                                                {{ dbt.datediff('kpi_week.period_start', 'units.registration_week', 'day') }} / 14.0
                        ) as {{ dbt.type_int() }}
                    )
            else cast(
                    ceil(
                        (                                                        {{ dbt.datediff('cohorts.post_start', 'kpi_week.period_start', 'day') }} + 7
                        )
                        / 14.0
                    ) as {{ dbt.type_int() }}
                )
        end as relative_bin
    from units
    inner join cohorts
        on units.program_id = cohorts.program_id
            and units.kpi = cohorts.kpi
            and units.registration_week = cohorts.registration_week
            and units.completion_week = cohorts.completion_week
    inner join coverage on units.kpi = coverage.kpi
    inner join {{ ref('int_kpis__person_weeks') }} as kpi_week
        on units.person_key = kpi_week.person_key
            and units.kpi = kpi_week.kpi
            and (
                (cohorts.event_start <= kpi_week.period_start and units.registration_week > kpi_week.period_start)
                or (cohorts.post_start <= kpi_week.period_start and cohorts.event_end > kpi_week.period_start)
            )
            and coverage.data_start <= kpi_week.period_start
            and {{ dbt.dateadd('day', 7, 'kpi_week.period_start') }} <= coverage.measurable_until
    where units.unit_role = 'treated'
        or units.contaminated_from is null
        or {{ dbt.dateadd('day', 7, 'kpi_week.period_start') }} <= units.contaminated_from
)

select
    program_id,
    kpi,
    registration_week,
    completion_week,
    person_key,
    unit_role,
    job_family,
    job_level,
    tenure_band,
    baseline_band,
    relative_bin,
    pre_value,
    sum(numerator) / sum(denominator) as bin_value,
    sum(denominator) as bin_events
from weeks
group by
    program_id, kpi, registration_week, completion_week, person_key, unit_role,
    job_family, job_level, tenure_band, baseline_band, relative_bin, pre_value
having sum(denominator) > 0
