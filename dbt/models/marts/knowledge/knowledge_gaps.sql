{#- What people could not find: the L&D backlog in the business's own words. One row per
    query theme (a pair of neighbouring content words, text_scrub.query_themes), over
    the query text raw keeps (IMPACT_QUERY_TEXT_RETENTION_DAYS):
    - a person is stuck on a theme when none of their searches on it found and clicked
      a result (someone who found it on a second try was not); a theme's people are
      the people stuck on it;
    - only themes most of whose searchers are stuck on them (a theme many people find
      answers to is no gap, however often it is searched), with at least
      min_group_size such people, and none with a word that is a first or last name
      of anyone in HRIS;
    - the weeks its unanswered searches recur in; the teams (supervisory organisations,
      at most five, most people first) and the job families with at least
      min_group_size of its people, a family only when it holds a quarter of them or
      more; and the KPIs that programs.csv aims at those job families;
    - the top 25 themes by people, then unanswered searches.
    No query text is published, only its themes. -#}
{%- set top_themes = 25 -%}
{%- set min_group = var('min_group_size') -%}

with themes as (
    select * from {{ ref('int_knowledge__search_themes') }}
),

names as (
    select * from {{ ref('int_people__name_keys') }}
),

answered as (
    select distinct
        query_theme as theme,
        searcher_key
    from themes
    where not is_unclicked
),

-- The unanswered searches of the people stuck on their theme.
unanswered as (
    select
        themes.query_theme as theme,
        themes.searcher_key,
        themes.search_week,
        themes.is_zero_result,
        themes.supervisory_organization,
        themes.job_family
    from themes
    left join answered
        on themes.query_theme = answered.theme and themes.searcher_key = answered.searcher_key
    where answered.searcher_key is null
),

by_theme as (
    select
        theme,
        count(distinct searcher_key) as people,
        count(*) as unanswered_searches,
        sum(case when is_zero_result then 1 else 0 end) as zero_result_searches,
        count(distinct search_week) as weeks_recurring,
        min(search_week) as first_week,
        max(search_week) as last_week
    from unanswered
    group by theme
),

searches as (
    select
        query_theme as theme,
        count(*) as searches,
        count(distinct searcher_key) as searchers
    from themes
    group by query_theme
),

theme_words as (
    select
        theme,
        {{ words_to_rows(fold_words("replace(theme, '_', ' ')")) }} as word
    from by_theme
),

naming_someone as (
    select distinct theme_words.theme
    from theme_words
    inner join names on theme_words.word = names.name_key
),

ranked as (
    select
        by_theme.*,
        searches.searches,
        searches.searchers,
        row_number() over (order by by_theme.people desc, by_theme.unanswered_searches desc, by_theme.theme asc) as gap_rank
    from by_theme
    inner join searches on by_theme.theme = searches.theme
    where by_theme.people >= {{ min_group }}
        and 2 * by_theme.people > searches.searchers
        and by_theme.theme not in (select naming_someone.theme from naming_someone)
),

teams as (
    select
        theme,
        {{ dbt.listagg('supervisory_organization', "', '", 'order by team_rank') }} as teams
    from (
        select
            theme,
            supervisory_organization,
            row_number() over (
                partition by theme order by count(distinct searcher_key) desc, supervisory_organization asc
            ) as team_rank
        from unanswered
        where supervisory_organization is not null
        group by theme, supervisory_organization
        having count(distinct searcher_key) >= {{ min_group }}
    ) as big_teams
    where team_rank <= 5
    group by theme
),

families as (
    select
        unanswered.theme,
        unanswered.job_family
    from unanswered
    inner join by_theme on unanswered.theme = by_theme.theme
    where unanswered.job_family is not null
    group by unanswered.theme, unanswered.job_family, by_theme.people
    having count(distinct unanswered.searcher_key) >= {{ min_group }}
        and count(distinct unanswered.searcher_key) >= 0.25 * by_theme.people
),

family_lists as (
    select
        theme,
        {{ dbt.listagg('job_family', "', '", 'order by job_family') }} as job_families
    from families
    group by theme
),

kpis as (
    select
        theme,
        {{ dbt.listagg('kpi', "', '", 'order by kpi') }} as kpis
    from (
        select distinct
            families.theme,
            programs.kpi
        from families
        inner join {{ ref('stg_config__programs') }} as programs on families.job_family = programs.target_job_family
    ) as theme_kpis
    group by theme
)

select
    cast(ranked.gap_rank as {{ dbt.type_int() }}) as gap_rank,
    cast(replace(ranked.theme, '_', ' ') as {{ dbt.type_string() }}) as theme,
    cast(ranked.people as {{ dbt.type_bigint() }}) as people,
    cast(ranked.unanswered_searches as {{ dbt.type_bigint() }}) as unanswered_searches,
    cast(ranked.zero_result_searches as {{ dbt.type_bigint() }}) as zero_result_searches,
    cast(ranked.searches as {{ dbt.type_bigint() }}) as searches,
    cast(ranked.searchers as {{ dbt.type_bigint() }}) as searchers,
    cast(ranked.people as {{ type_double() }}) / ranked.searchers as stuck_share,
    cast(ranked.weeks_recurring as {{ dbt.type_int() }}) as weeks_recurring,
    ranked.first_week,
    ranked.last_week,
    cast(teams.teams as {{ dbt.type_string() }}) as teams,
    cast(family_lists.job_families as {{ dbt.type_string() }}) as job_families,
    cast(kpis.kpis as {{ dbt.type_string() }}) as kpis
from ranked
left join teams on ranked.theme = teams.theme
left join family_lists on ranked.theme = family_lists.theme
left join kpis on ranked.theme = kpis.theme
where ranked.gap_rank <= {{ top_themes }}
