{#- Each treated person of a cohort (int_impact__cohorts) with their cell as of the
    registration week: job family, job level and tenure band, the matching strata of
    int_impact__matched_units. Only people in these cells can be matched (a stratum
    needs a treated person), so only they become candidates
    (int_impact__comparison_pool).

    Also the person's team as of the registration week (manager and supervisory
    organisation, for teammates' exposure to other programs: int_impact__units) and
    whether they were employed through both windows (is_employed_through: a leaver who
    vanished from HRIS without a date left after the last snapshot that showed them);
    only those become treated units. -#}

with cohorts as (
    select * from {{ ref('int_impact__cohorts') }}
)

select
    cohorts.*,
    treated.person_key,
    person.job_family,
    person.job_level,
    person.manager_person_key,
    person.supervisory_organization,
    {{ tenure_band_case('person.hire_date', 'cohorts.registration_week') }} as tenure_band,
    person.hire_date <= cohorts.pre_start
    and (person.left_on is null or person.left_on >= cohorts.post_end) as is_employed_through
from cohorts
inner join {{ ref('int_impact__treated') }} as treated
    on cohorts.program_id = treated.program_id
        and cohorts.kpi = treated.kpi
        and cohorts.registration_week = treated.registration_week
        and cohorts.completion_week = treated.completion_week
inner join {{ ref('int_people__person_versions') }} as person
    on treated.person_key = person.person_key
        and cohorts.registration_week >= person.valid_from
        and (person.valid_to is null or cohorts.registration_week < person.valid_to)
