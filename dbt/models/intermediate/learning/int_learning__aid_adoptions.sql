{#- One row per person x performance-support program (program_aids.csv): their first
    view of any of its articles, their views, and their first meaningful use, the
    adoption_min_views-th view within adoption_window_days (the first view that has
    adoption_min_views - 1 views before it within the window). Adoption is the
    program's "completion": the estimates measure the effect of adopting the aid, not
    of its existence. -#}
{%- set min_views = var('adoption_min_views') | int -%}
{%- set window_days = var('adoption_window_days') | int -%}

with aids as (
    select * from {{ ref('stg_config__program_aids') }}
),

crosswalk as (
    select * from {{ ref('int_people__identity_crosswalk') }}
    where source_system = 'kb_user'
),

views as (
    select
        aids.program_id,
        crosswalk.person_key,
        coalesce(crosswalk.person_key, {{ unmatched_learner_key("'kb:' || kb_use.user_email") }}) as learner_key,
        kb_use.viewed_at
    from {{ ref('stg_servicedesk__kb_use') }} as kb_use
    inner join aids on kb_use.article = aids.article
    left join crosswalk on kb_use.user_email = crosswalk.source_identity
    where kb_use.user_email is not null
),

runs as (
    select
        views.*,
        lag(views.viewed_at, {{ min_views - 1 }}) over (
            partition by views.program_id, views.learner_key order by views.viewed_at
        ) as run_started_at
    from views
)

select
    learner_key,
    max(person_key) as person_key,
    program_id,
    min(viewed_at) as first_viewed_at,
    count(*) as views,
    min(
        case
            when run_started_at >= {{ dbt.dateadd('day', -window_days, 'viewed_at') }} then viewed_at
        end
    ) as adopted_at
from runs
group by learner_key, program_id
