{#- Type-2 history of each worker's job, organisation and pay, built from HRIS
    snapshots at whatever cadence they arrive: consecutive snapshots with the same
    attributes collapse into one version [valid_from, valid_to). -#}
with snapshots as (
    select * from {{ ref('stg_hris__workers') }}
),

flagged as (
    select
        *,
        case when lag(snapshot_date) over w is null
              or lag(job_profile) over w is distinct from job_profile
              or lag(job_family) over w is distinct from job_family
              or lag(job_level) over w is distinct from job_level
              or lag(supervisory_organization) over w is distinct from supervisory_organization
              or lag(manager_employee_id) over w is distinct from manager_employee_id
              or lag(location) over w is distinct from location
              or lag(country) over w is distinct from country
              or lag(cost_center) over w is distinct from cost_center
              or lag(worker_type) over w is distinct from worker_type
              or lag(fte) over w is distinct from fte
              or lag(annual_base_pay) over w is distinct from annual_base_pay
              or lag(currency) over w is distinct from currency
             then 1 else 0 end as starts_version
    from snapshots
    window w as (partition by employee_id order by snapshot_date)
),

numbered as (
    select *, sum(starts_version) over (partition by employee_id order by snapshot_date rows unbounded preceding) as version_number
    from flagged
),

versions as (
    select
        employee_id,
        version_number,
        min(snapshot_date) as first_seen,
        max(snapshot_date) as last_seen,
        max(job_profile) as job_profile,
        max(job_family) as job_family,
        max(job_level) as job_level,
        max(supervisory_organization) as supervisory_organization,
        max(manager_employee_id) as manager_employee_id,
        max(location) as location,
        max(country) as country,
        max(cost_center) as cost_center,
        max(worker_type) as worker_type,
        max(fte) as fte,
        max(annual_base_pay) as annual_base_pay,
        max(currency) as currency
    from numbered
    group by employee_id, version_number
),

latest_facts as (
    select employee_id, hire_date, termination_date, snapshot_date
    from ({{ latest_by('snapshots', 'employee_id', 'snapshot_date desc') }}) as latest
),

overall as (
    select max(snapshot_date) as last_snapshot from snapshots
)

select
    {{ person_key('versions.employee_id') }} as person_key,
    versions.version_number,
    -- Before the first snapshot, the first version seen is the best knowledge of the job.
    case when versions.version_number = 1 and latest_facts.hire_date < versions.first_seen
         then latest_facts.hire_date else versions.first_seen end as valid_from,
    lead(versions.first_seen) over (partition by versions.employee_id order by versions.version_number) as valid_to,
    versions.job_profile,
    versions.job_family,
    versions.job_level,
    versions.supervisory_organization,
    case when versions.manager_employee_id is not null then {{ person_key('versions.manager_employee_id') }} end as manager_person_key,
    versions.location,
    versions.country,
    versions.cost_center,
    versions.worker_type,
    versions.fte,
    versions.annual_base_pay,
    versions.currency,
    latest_facts.hire_date,
    latest_facts.termination_date,
    latest_facts.snapshot_date = overall.last_snapshot as in_latest_snapshot,
    lead(versions.first_seen) over (partition by versions.employee_id order by versions.version_number) is null as is_current_version
from versions
inner join latest_facts on versions.employee_id = latest_facts.employee_id
cross join overall
