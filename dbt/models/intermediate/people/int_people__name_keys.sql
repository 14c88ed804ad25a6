{#- The folded keys of the first and last names of everyone in HRIS (text_scrub.name_keys):
    a published text with a word among them could name someone and is left out
    (program_comments, knowledge_gaps). -#}
select distinct keys.name_key
from (
    select {{ words_to_rows(name_keys('workers.legal_name')) }} as name_key
    from (
        select distinct legal_name from {{ ref('stg_hris__workers') }}
        where legal_name is not null
    ) as workers
) as keys
where keys.name_key <> ''
