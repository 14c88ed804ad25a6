{#- Every snapshot of every worker: the history that int_people__person_versions is built from. -#}
with snapshots as (
    {{ latest_by(source('hris', 'workers'), 'Employee_ID, _extract_date', '_record_number desc') }}
)

select
    trim(Employee_ID) as employee_id,
    _extract_date as snapshot_date,
    {{ normalise_email('Work_Email') }} as work_email,
    Legal_Name as legal_name,
    Hire_Date as hire_date,
    Termination_Date as termination_date,
    Job_Profile as job_profile,
    Job_Family as job_family,
    Job_Level as job_level,
    Supervisory_Organization as supervisory_organization,
    nullif(trim(Manager_Employee_ID), '') as manager_employee_id,
    Location as location,
    Country as country,
    Cost_Center as cost_center,
    Worker_Type as worker_type,
    FTE as fte,
    Annual_Base_Pay as annual_base_pay,
    upper(trim(Currency)) as currency,
    -- Kept, flagged: a flaw costs the row only what it corrupts (macros/row_rules.sql).
    {{ row_rule_flags('stg_hris__workers') }}
from snapshots
