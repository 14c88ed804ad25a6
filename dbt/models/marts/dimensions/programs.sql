{#- The programs, one row each: what a BI tool joins program_id to for a name, its
    KPIs, delivery, courses or articles and currency (programs.csv, program_aids.csv
    and the LMS course catalogue). -#}
with config as (
    select * from {{ ref('stg_config__programs') }}
),

programs as (
    select
        program_id,
        max(program_name) as program_name,
        max(target_job_family) as target_job_family,
        max(currency) as currency,
        count(distinct kpi) as n_kpis,
        {{ dbt.listagg('kpi', "', '", 'order by kpi') }} as kpis
    from config
    group by program_id
),

courses as (
    select
        program_id,
        count(*) as n_courses,
        sum(duration_hours) as course_hours
    from {{ ref('stg_lms__courses') }}
    where program_id is not null
    group by program_id
),

aids as (
    select
        program_id,
        count(*) as n_articles
    from {{ ref('stg_config__program_aids') }}
    group by program_id
)

select
    cast(programs.program_id as {{ dbt.type_string() }}) as program_id,
    cast(programs.program_name as {{ dbt.type_string() }}) as program_name,
    cast(programs.target_job_family as {{ dbt.type_string() }}) as target_job_family,
    cast(programs.n_kpis as {{ dbt.type_bigint() }}) as n_kpis,
    cast(programs.kpis as {{ dbt.type_string() }}) as kpis,
    cast(case when aids.program_id is not null then 'performance_support' else 'course' end as {{ dbt.type_string() }})
        as delivery,
    cast(coalesce(aids.n_articles, 0) as {{ dbt.type_bigint() }}) as n_articles,
    cast(coalesce(courses.n_courses, 0) as {{ dbt.type_bigint() }}) as n_courses,
    cast(coalesce(courses.course_hours, 0) as {{ type_double() }}) as course_hours,
    cast(programs.currency as {{ dbt.type_string() }}) as currency
from programs
left join courses on programs.program_id = courses.program_id
left join aids on programs.program_id = aids.program_id
