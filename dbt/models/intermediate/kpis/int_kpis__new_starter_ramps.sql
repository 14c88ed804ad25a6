{#- Ephemeral. Each new starter's ramp to tenured output: weekly output (work begun per
    week: incidents opened, opportunities created; the ramp_output_kpis' events) per FTE,
    averaged over 4 weeks, first reaching the median weekly output per FTE of tenured
    peers (a year or more in the company) of the same job family. ramped_on is the end of
    that first 4-week span; ramp_status is ramped, left (left before ramping: a competing
    outcome) or censored (still ramping when the measurable data ends); ramp_days counts
    to ramped_on or, when not ramped, to the end of observation. -#}
{{ config(materialized='ephemeral') }}
{%- set output_kpis = var('ramp_output_kpis') -%}

with new_starters as (
    select * from {{ ref('int_kpis__new_starters_at_hire') }}
),

versions as (
    select * from {{ ref('int_people__person_versions') }}
),

output_end as (
    select min(measurable_until) as measurable_until from {{ ref('int_kpis__coverage') }}
    where kpi in ('{{ output_kpis | join("', '") }}')
),

weekly_output as (
    select
        person_key,
        period_start,
        sum(denominator) as output
    from {{ ref('int_kpis__person_weeks') }}
    where kpi in ('{{ output_kpis | join("', '") }}')
    group by person_key, period_start
),

tenured_median as (
    select
        versions.job_family,
        {{ median('weekly_output.output / versions.fte') }} as median_output_per_fte
    from weekly_output
    inner join versions
        on weekly_output.person_key = versions.person_key
            and weekly_output.period_start >= versions.valid_from
            and (versions.valid_to is null or weekly_output.period_start < versions.valid_to)
    where {{ dbt.datediff('versions.hire_date', 'weekly_output.period_start', 'day') }} >= 365
        and versions.fte > 0
    group by versions.job_family
),

weeks as (
    select distinct period_start as week_start from {{ ref('int_kpis__person_weeks') }}
),

-- Every week from hire to leaving or to the end of measurable output, with no output
-- counting as zero.
spine as (
    select
        new_starters.person_key,
        weeks.week_start,
        coalesce(weekly_output.output, 0) / nullif(new_starters.fte, 0) as output_per_fte,
        row_number() over (partition by new_starters.person_key order by weeks.week_start) as week_number
    from new_starters
    cross join output_end
    inner join weeks
        on weeks.week_start >= cast({{ dbt.date_trunc('week', 'new_starters.hire_date') }} as date)
            and {{ dbt.dateadd('day', 7, 'weeks.week_start') }} <= output_end.measurable_until
            and (new_starters.left_on is null or {{ dbt.dateadd('day', 7, 'weeks.week_start') }} <= new_starters.left_on)
    left join weekly_output
        on new_starters.person_key = weekly_output.person_key
            and weeks.week_start = weekly_output.period_start
),

rolling as (
    select
        spine.*,
        avg(spine.output_per_fte) over (
            partition by spine.person_key order by spine.week_start rows between 3 preceding and current row
        ) as output_per_fte_4w
    from spine
),

ramped as (
    select
        rolling.person_key,
        min(rolling.week_start) as ramp_week
    from rolling
    inner join new_starters on rolling.person_key = new_starters.person_key
    inner join tenured_median on new_starters.job_family = tenured_median.job_family
    where rolling.week_number >= 4 and rolling.output_per_fte_4w >= tenured_median.median_output_per_fte
    group by rolling.person_key
),

ramps as (
    select
        new_starters.person_key,
        new_starters.hire_date,
        new_starters.left_on,
        output_end.measurable_until,
        cast({{ dbt.dateadd('day', 7, 'ramped.ramp_week') }} as date) as ramped_on,
        tenured_median.median_output_per_fte is not null as has_output_measure
    from new_starters
    cross join output_end
    left join ramped on new_starters.person_key = ramped.person_key
    left join tenured_median on new_starters.job_family = tenured_median.job_family
)

select
    person_key,
    has_output_measure,
    ramped_on,
    case
        when ramped_on is not null then 'ramped'
        when left_on is not null and left_on <= measurable_until then 'left'
        else 'censored'
    end as ramp_status,
    {{ dbt.datediff('hire_date', 'coalesce(ramped_on, case when left_on < measurable_until then left_on else measurable_until end)', 'day') }} as ramp_days
from ramps
