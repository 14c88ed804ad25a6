{#- A handful of level-1 survey comments per program, for the report, scrubbed:
    - only programs with at least min_group_size distinct respondents (fewer could be told apart);
    - each email address (or @-handle) and each phone number, wherever it is in the text,
      becomes [removed]; a comment that is nothing but such material is left out;
    - a comment naming anyone in HRIS is left out whole: a word of the comment equals a
      first or last name of a worker's legal name, compared after Unicode normalisation
      (NFKC) and case folding, with apostrophes of every kind as one, words separated by
      anything else (spaces, tabs, line breaks, punctuation), a possessive ("Rebecca's")
      or a hyphen part ("Smith-Jones": "Smith", "Jones") still naming the person, and
      names with apostrophes or hyphens matched whole, without apostrophes and by part.
      The folding is Python (dagster_project/text_scrub.py), registered on each engine
      (dbt/macros/text_scrub.sql); each comment's folded words become rows that are
      equi-joined to the names' keys, so the cost is linear in comments and names;
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

names as (
    select * from {{ ref('int_people__name_keys') }}
),

comments as (
    select
        courses.program_id,
        comments.response_id,
        comments.submitted_at,
        trim({{ scrub_contacts('comments.comment') }}) as comment_scrubbed,
        {{ fold_words('comments.comment') }} as folded_words
    from {{ ref('int_learning__survey_comments') }} as comments
    inner join courses on comments.course_id = courses.course_id
    where trim(comments.comment) <> ''
),

-- Each comment's folded words, one a row.
comment_words as (
    select
        comments.response_id,
        comments.program_id,
        {{ words_to_rows('comments.folded_words') }} as word
    from comments
),

naming_someone as (
    select distinct
        comment_words.response_id,
        comment_words.program_id
    from comment_words
    inner join names on comment_words.word = names.name_key
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
        -- Nothing but removed material (and separators): not a comment.
        and (
            comments.comment_scrubbed not like '%[removed]%'
            or {{ fold_words("replace(comments.comment_scrubbed, '[removed]', ' ')") }} <> ''
        )
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
