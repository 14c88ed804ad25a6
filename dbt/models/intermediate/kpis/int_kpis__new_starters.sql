{#- One row per new starter (hired on or after the first HRIS snapshot), with what the
    person-grain KPIs need (estimated by int_onboarding__estimates): the covariates as of
    hire (int_kpis__new_starters_at_hire), the ramp to tenured output
    (int_kpis__new_starter_ramps) and attrition: observed_days from hire to leaving or to
    the HRIS as-of date (the newest extract), has_left, and early_attrition (1: left
    within 12 months, 0: stayed 12 months, null: fewer than 12 months observed). -#}
with new_starters as (
    select * from {{ ref('int_kpis__new_starters_at_hire') }}
),

ramps as (
    select * from {{ ref('int_kpis__new_starter_ramps') }}
),

hris_as_of as (
    select max(extract_date) as as_of_date from {{ ref('stg_ingest__file_ledger') }}
    where feed = 'hris__workers'
),

observed as (
    select
        new_starters.*,
        hris_as_of.as_of_date,
        ramps.has_output_measure,
        ramps.ramped_on,
        ramps.ramp_status,
        ramps.ramp_days
    from new_starters
    cross join hris_as_of
    inner join ramps on new_starters.person_key = ramps.person_key
)

select
    person_key,
    job_family,
    job_level,
    location,
    hire_date,
    hire_quarter,
    fte,
    pay_band,
    manager_team_size,
    left_on as termination_date,
    has_output_measure,
    ramped_on,
    ramp_status,
    ramp_days,
    {{ dbt.datediff('hire_date', 'case when left_on is not null and left_on <= as_of_date then left_on else as_of_date end', 'day') }} as observed_days,
    left_on is not null and left_on <= as_of_date as has_left,
    case
        when left_on is not null and left_on <= as_of_date
            and {{ dbt.datediff('hire_date', 'left_on', 'day') }} < 365 then 1
        when {{ dbt.datediff('hire_date', 'as_of_date', 'day') }} >= 365 then 0
    end as early_attrition
from observed
