{#- Type-2 history of each worker's job, organisation and pay, built from HRIS
    snapshots at whatever cadence they arrive: consecutive snapshots with the same
    attributes collapse into one version [valid_from, valid_to). -#}
{#- The attributes whose change starts a new version. -#}
{%- set tracked = [
    'job_profile', 'job_family', 'job_level', 'supervisory_organization', 'manager_employee_id',
    'location', 'country', 'cost_center', 'worker_type', 'fte', 'annual_base_pay', 'currency',
] -%}

with workers as (
    select * from {{ ref('stg_hris__workers') }}
),

-- An implausible FTE (flagged in staging) is unknown, not a value to compute pay with.
snapshots as (
    select
        employee_id,
        snapshot_date,
        hire_date,
        termination_date,
        {%- for column in tracked if column != 'fte' %}
            {{ column }},
        {%- endfor %}
        case when has_fte_out_of_range then null else fte end as fte
    from workers
),

lagged as (
    select
        *,
        lag(snapshot_date) over (partition by employee_id order by snapshot_date) as previous_snapshot_date,  -- noqa: LT02
        {%- for column in tracked %}
        lag({{ column }}) over (partition by employee_id order by snapshot_date) as previous_{{ column }}{{ "," if not loop.last }}  -- noqa: LT02
        {%- endfor %}
    from snapshots
),

flagged as (
    select
        *,
        case
            when previous_snapshot_date is null
                {%- for column in tracked %}
                    or (previous_{{ column }} is distinct from {{ column }})
                {%- endfor %}
                then 1
            else 0
        end as starts_version
    from lagged
),

numbered as (
    select
        *,
        sum(starts_version) over (partition by employee_id order by snapshot_date rows unbounded preceding) as version_number
    from flagged
),

versions as (
    select
        employee_id,
        version_number,
        min(snapshot_date) as first_seen,
        max(snapshot_date) as last_seen,
    {%- for column in tracked %}
        max({{ column }}) as {{ column }}{{ "," if not loop.last }}  -- noqa: LT02
    
    {%- endfor %}
    from numbered
    group by employee_id, version_number
),

latest_facts as (
    select
        employee_id,
        hire_date,
        termination_date,
        snapshot_date
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
            then latest_facts.hire_date
        else versions.first_seen
    end as valid_from,
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
    latest_facts.snapshot_date as last_seen_on,
    -- A leaver who vanished from HRIS without a termination date left after the last
    -- snapshot that showed them: they are not treated as employed for ever.
    coalesce(
        latest_facts.termination_date,
        case when latest_facts.snapshot_date < overall.last_snapshot then latest_facts.snapshot_date end
    ) as left_on,
    latest_facts.snapshot_date = overall.last_snapshot as in_latest_snapshot,
    lead(versions.first_seen) over (partition by versions.employee_id order by versions.version_number) is null as is_current_version
from versions
inner join latest_facts on versions.employee_id = latest_facts.employee_id
cross join overall
