{#- Adoption of each performance-support program (program_aids.csv) over time: per month
    of the knowledge-use feed, the people who had viewed its articles and those who had
    adopted it (first meaningful use, int_learning__aid_adoptions) by the month's end.
    A count of fewer than min_group_size people is null (suppressed). -#}
{%- set min_group = var('min_group_size') -%}

with adoptions as (
    select * from {{ ref('int_learning__aid_adoptions') }}
),

programs as (
    select
        config.program_id,
        max(config.program_name) as program_name
    from {{ ref('stg_config__programs') }} as config
    where config.program_id in (select aids.program_id from {{ ref('stg_config__program_aids') }} as aids)
    group by config.program_id
),

months as (
    select distinct cast({{ dbt.date_trunc('month', 'viewed_at') }} as date) as month_start
    from {{ ref('stg_servicedesk__kb_use') }}
),

to_date as (
    select
        programs.program_id,
        programs.program_name,
        months.month_start,
        count(distinct case
            when cast({{ dbt.date_trunc('month', 'adoptions.first_viewed_at') }} as date) <= months.month_start
                then adoptions.learner_key
        end) as viewers,
        count(distinct case
            when cast({{ dbt.date_trunc('month', 'adoptions.adopted_at') }} as date) <= months.month_start
                then adoptions.learner_key
        end) as adopters
    from programs
    cross join months
    left join adoptions on programs.program_id = adoptions.program_id
    group by programs.program_id, programs.program_name, months.month_start
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    month_start,
    cast(case when viewers >= {{ min_group }} then viewers end as {{ dbt.type_bigint() }}) as viewers_to_date,
    cast(case when adopters >= {{ min_group }} then adopters end as {{ dbt.type_bigint() }}) as adopters_to_date,
    case
        when adopters >= {{ min_group }} and viewers >= {{ min_group }}
            then cast(adopters as {{ type_double() }}) / viewers
    end as adoption_rate,
    viewers < {{ min_group }} or adopters < {{ min_group }} as suppressed
from to_date
