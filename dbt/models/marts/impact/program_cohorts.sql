{#- Per program x KPI x completion month: the completers' mean own effect (their change
    minus their matched comparisons'), for the report's cohort chart and BI. A month
    with fewer than min_group_size people shows no figure; and because the months'
    people average to program_impact.effect, a lone hidden month could be recovered
    from the total less the others: when the hidden months together hold fewer than
    min_group_size people, the smallest shown month is hidden too (complementary
    suppression). -#}
{%- set min_group = var('min_group_size') -%}
with outcomes as (
    select * from {{ ref('learner_outcomes') }}
    where is_matched and did_value is not null
),

months as (
    select
        program_id,
        kpi,
        max(program_name) as program_name,
        max(kpi_unit) as kpi_unit,
        cast({{ dbt.date_trunc('month', 'completion_week') }} as date) as completion_month,
        count(*) as people,
        avg(did_value) as mean_effect
    from outcomes
    group by program_id, kpi, cast({{ dbt.date_trunc('month', 'completion_week') }} as date)
),

sized as (
    select
        months.*,
        months.people < {{ min_group }} as too_small,
        sum(case when months.people < {{ min_group }} then months.people else 0 end)
            over (partition by months.program_id, months.kpi) as hidden_people,
        sum(case when months.people < {{ min_group }} then 1 else 0 end)
            over (partition by months.program_id, months.kpi) as hidden_months,
        row_number() over (
            partition by months.program_id, months.kpi, case when months.people < {{ min_group }} then 1 else 0 end
            order by months.people, months.completion_month
        ) as size_rank
    from months
),

hidden as (
    select
        sized.*,
        case
            when sized.too_small then 'fewer than {{ min_group }} people'
            when sized.hidden_months > 0 and sized.hidden_people < {{ min_group }} and sized.size_rank = 1
                then 'hidden so that a smaller month cannot be recovered from the total'
        end as not_shown_reason
    from sized
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(kpi_unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(completion_month as date) as completion_month,
    cast(people as {{ dbt.type_bigint() }}) as cohort_people,
    cast(case when not_shown_reason is null then mean_effect end as {{ type_double() }}) as cohort_effect,
    cast(not_shown_reason as {{ dbt.type_string() }}) as not_shown_reason
from hidden
