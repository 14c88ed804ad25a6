{#- The person-grain KPIs of new starters (hired while HRIS data was arriving):
    - ramp_days: days from hire to the start of the first week whose output (incidents
      handled plus opportunities closed) reaches the median weekly output of tenured
      peers (a year or more in the company) of the same job family. Null while not reached.
    - early_attrition: 1 when the person left within 12 months of hire, 0 when they
      stayed 12 months; null while fewer than 12 months have been observed. -#}
with people as (
    select person_key, max(job_family) as job_family, max(hire_date) as hire_date, max(left_on) as termination_date
    from {{ ref('dim_person') }}
    where is_current_version
    group by person_key
),

-- The data's as-of date: the newest HRIS extract (never the max of an event timestamp).
observed as (
    select max(extract_date) as last_week from {{ ref('stg_ingest__file_ledger') }}
    where feed = 'hris__workers'
),

weekly_output as (
    select person_key, period_start, sum(denominator) as output
    from {{ ref('fct_person_kpi_week') }}
    where kpi in ('ticket_resolution_hours', 'win_rate')
    group by person_key, period_start
),

tenured_median as (
    select people.job_family, {{ median('weekly_output.output') }} as median_output
    from weekly_output
    inner join people on weekly_output.person_key = people.person_key
    where {{ dbt.datediff('people.hire_date', 'weekly_output.period_start', 'day') }} >= 365
    group by people.job_family
),

new_hires as (
    select people.*
    from people
    cross join (select min(snapshot_date) as first_snapshot from {{ ref('stg_hris__workers') }}) as first_seen
    where people.hire_date >= first_seen.first_snapshot
),

ramped as (
    select new_hires.person_key, min(weekly_output.period_start) as ramped_week
    from new_hires
    inner join tenured_median on new_hires.job_family = tenured_median.job_family
    inner join weekly_output on new_hires.person_key = weekly_output.person_key
    where weekly_output.period_start >= new_hires.hire_date
      and weekly_output.output >= tenured_median.median_output
    group by new_hires.person_key
)

select
    new_hires.person_key,
    new_hires.job_family,
    new_hires.hire_date,
    new_hires.termination_date,
    case when ramped.ramped_week is not null
         then {{ dbt.datediff('new_hires.hire_date', 'ramped.ramped_week', 'day') }} end as ramp_days,
    case
        when new_hires.termination_date is not null
             and {{ dbt.datediff('new_hires.hire_date', 'new_hires.termination_date', 'day') }} < 365 then 1
        when {{ dbt.datediff('new_hires.hire_date', 'observed.last_week', 'day') }} >= 365 then 0
    end as early_attrition
from new_hires
cross join observed
left join ramped on new_hires.person_key = ramped.person_key
