{#- Ephemeral. Each new starter (hired on or after the first HRIS snapshot) with the
    covariates as of hire that matching and weighting use: job family, level, location,
    hire quarter, FTE, pay band (tertile of FTE-scaled pay in the family and level) and
    the manager's team size; and when they left, if they did. -#}
{{ config(materialized='ephemeral') }}

with versions as (
    select * from {{ ref('int_people__person_versions') }}
),

first_snapshot as (
    select min(snapshot_date) as first_snapshot from {{ ref('stg_hris__workers') }}
),

-- The job as of hire: the version valid on the hire date (or the first one seen).
at_hire as (
    select *
    from ({{ latest_by('versions', 'person_key', 'version_number') }}) as first_version
),

team_sizes as (
    select
        at_hire.person_key,
        count(distinct peers.person_key) as manager_team_size
    from at_hire
    inner join versions as peers
        on at_hire.manager_person_key = peers.manager_person_key
            and at_hire.hire_date >= peers.valid_from
            and (peers.valid_to is null or at_hire.hire_date < peers.valid_to)
    group by at_hire.person_key
),

new_starters as (
    select
        at_hire.person_key,
        at_hire.job_family,
        at_hire.job_level,
        at_hire.location,
        at_hire.hire_date,
        cast({{ dbt.date_trunc('quarter', 'at_hire.hire_date') }} as date) as hire_quarter,
        at_hire.fte,
        at_hire.annual_base_pay / nullif(at_hire.fte, 0) as full_time_pay,
        coalesce(team_sizes.manager_team_size, 0) as manager_team_size,
        at_hire.left_on
    from at_hire
    cross join first_snapshot
    left join team_sizes on at_hire.person_key = team_sizes.person_key
    where at_hire.hire_date >= first_snapshot.first_snapshot
)

select
    *,
    ntile(3) over (partition by job_family, job_level order by full_time_pay, person_key) as pay_band
from new_starters
