{#- Every work email HRIS has ever shown, to the employee who holds it most recently. -#}
with emails as (
    select
        work_email,
        employee_id,
        snapshot_date
    from {{ ref('stg_hris__workers') }}
    where work_email is not null
)

select
    work_email,
    employee_id,
    {{ person_key('employee_id') }} as person_key
from ({{ latest_by('emails', 'work_email', 'snapshot_date desc, employee_id') }}) as latest
