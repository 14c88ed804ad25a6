{#- program_roi adds course costs, other program costs and HRIS pay under the currency of programs.csv:
    that is only right when they share it (no conversion is done). Fails listing
    the programs whose courses or participants' pay are in another currency. -#}
{#- In Dagster, an asset check on stg_config__programs, whose currency the others must share (a singular test with several inputs needs its asset named). -#}
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'stg_config__programs'}}}) }}

with programs as (
    select program_id, max(currency) as currency from {{ ref('stg_config__programs') }} group by program_id
),

course_currencies as (
    select program_id, currency from {{ ref('stg_lms__courses') }} where program_id is not null
),

other_cost_currencies as (
    select program_id, currency from {{ ref('stg_config__program_costs') }}
),

pay_currencies as (
    select distinct enrolments.program_id, person.currency
    from {{ ref('int_learning__enrolments') }} as enrolments
    inner join {{ ref('int_people__person_versions') }} as person on enrolments.person_key = person.person_key
    where person.currency is not null
)

select programs.program_id, 'course' as cost, course_currencies.currency
from programs inner join course_currencies on programs.program_id = course_currencies.program_id
where course_currencies.currency <> programs.currency
union all
select programs.program_id, 'program cost', other_cost_currencies.currency
from programs inner join other_cost_currencies on programs.program_id = other_cost_currencies.program_id
where other_cost_currencies.currency <> programs.currency
union all
select programs.program_id, 'participant pay', pay_currencies.currency
from programs inner join pay_currencies on programs.program_id = pay_currencies.program_id
where pay_currencies.currency <> programs.currency
