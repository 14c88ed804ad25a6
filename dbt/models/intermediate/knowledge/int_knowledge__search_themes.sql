{#- One row per search x theme, for the searches whose query text raw still keeps
    (IMPACT_QUERY_TEXT_RETENTION_DAYS): the theme (text_scrub.query_themes: each pair of
    neighbouring content words, contacts removed), the searcher, the week, whether the
    search found and clicked anything, and the searcher's team and job family as HRIS
    showed them that day. Personal data (it holds what a person looked for): read only
    by knowledge_gaps, which publishes themes of at least min_group_size people. -#}
with searches as (
    select * from {{ ref('stg_search__queries') }}
    where query_text is not null
),

crosswalk as (
    select * from {{ ref('int_people__identity_crosswalk') }}
    where source_system = 'search_user'
),

person_versions as (
    select * from {{ ref('int_people__person_versions') }}
),

themed as (
    select
        searches.*,
        {{ query_themes('searches.query_text') }} as themes
    from searches
),

themes as (
    select
        themed.*,
        {{ words_to_rows('themed.themes') }} as query_theme
    from themed
    where themed.themes is not null
)

select
    themes.query_id,
    themes.query_theme,
    coalesce(crosswalk.person_key, {{ unmatched_learner_key("'search:' || themes.user_email") }}) as searcher_key,
    crosswalk.person_key,
    cast({{ dbt.date_trunc('week', 'themes.searched_at') }} as date) as search_week,
    coalesce(themes.results_count = 0, false) as is_zero_result,
    themes.clicked_result is null as is_unclicked,
    person_versions.supervisory_organization,
    person_versions.job_family
from themes
left join crosswalk on themes.user_email = crosswalk.source_identity
left join person_versions
    on crosswalk.person_key = person_versions.person_key
        and cast(themes.searched_at as date) >= person_versions.valid_from
        and (person_versions.valid_to is null or cast(themes.searched_at as date) < person_versions.valid_to)
where themes.query_theme <> ''
