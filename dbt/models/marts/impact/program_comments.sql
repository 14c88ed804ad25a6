{#- A handful of level-1 survey comments per program, for the report, scrubbed:
    - only programs with at least min_group_size distinct respondents (fewer could be told apart);
    - an email address, and everything after it, is cut (the text from the first word
      holding an "@" to the end), so no address or @-handle is published;
    - a comment naming anyone in HRIS (a first or last name of a worker's legal name, as
      a capitalised word) is left out whole;
    - at most `per_program` comments per program, the newest first, the same words only
      once; dated by month only.
    The free text itself stays unpublished everywhere else (stg_lms__surveys.comment is PII). -#}
{%- set per_program = 5 -%}

with courses as (
    select
        course_id,
        program_id
    from {{ ref('stg_lms__courses') }}
    where program_id is not null
),

programs as (
    select
        program_id,
        max(program_name) as program_name
    from {{ ref('stg_config__programs') }}
    group by program_id
),

respondents as (
    select
        courses.program_id,
        count(distinct surveys.respondent_email) as respondents
    from {{ ref('stg_lms__surveys') }} as surveys
    inner join courses on surveys.course_id = courses.course_id
    group by courses.program_id
),

-- First and last names of everyone in HRIS, as written (capitalised).
names as (
    select distinct name_part
    from (
        select {{ dbt.split_part('legal_name', "' '", 1) }} as name_part from {{ ref('stg_hris__workers') }}
        union all
        select {{ dbt.split_part('legal_name', "' '", -1) }} as name_part from {{ ref('stg_hris__workers') }}
    ) as parts
    where {{ dbt.length('name_part') }} >= 2
),

comments as (
    select
        courses.program_id,
        comments.response_id,
        comments.submitted_at,
        trim(regexp_replace(comments.comment, '(?s)[^ ]*@.*$', '[removed]')) as comment_scrubbed,
        -- Words padded with spaces, punctuation made spaces, for whole-word name matching.
        ' ' || translate(replace(comments.comment, chr(10), ' '), '.,;:!?"()[]/''', '             ') || ' ' as padded
    from {{ ref('int_learning__survey_comments') }} as comments
    inner join courses on comments.course_id = courses.course_id
    where trim(comments.comment) <> ''
),

naming_someone as (
    select distinct
        comments.response_id,
        comments.program_id
    from comments
    inner join names on comments.padded like '% ' || names.name_part || ' %'
),

publishable as (
    select
        comments.*,
        -- The same words twice are one comment (the newest).
        row_number() over (
            partition by comments.program_id, comments.comment_scrubbed
            order by comments.submitted_at desc, comments.response_id asc
        ) as copy_number
    from comments
    inner join respondents on comments.program_id = respondents.program_id
    where respondents.respondents >= {{ var('min_group_size') }}
        and not exists (
            select 1 as named from naming_someone
            where naming_someone.response_id = comments.response_id and naming_someone.program_id = comments.program_id
        )
        and comments.comment_scrubbed <> '[removed]'
),

kept as (
    select
        publishable.*,
        row_number() over (
            partition by publishable.program_id order by publishable.submitted_at desc, publishable.response_id asc
        ) as comment_rank
    from publishable
    where publishable.copy_number = 1
)

select
    cast(kept.program_id as {{ dbt.type_string() }}) as program_id,
    cast(programs.program_name as {{ dbt.type_string() }}) as program_name,
    cast(kept.comment_rank as {{ dbt.type_int() }}) as comment_rank,
    cast({{ dbt.date_trunc('month', 'kept.submitted_at') }} as date) as submitted_month,
    cast(kept.comment_scrubbed as {{ dbt.type_string() }}) as comment_scrubbed,
    cast(respondents.respondents as {{ dbt.type_bigint() }}) as program_respondents
from kept
inner join respondents on kept.program_id = respondents.program_id
left join programs on kept.program_id = programs.program_id
where kept.comment_rank <= {{ per_program }}
