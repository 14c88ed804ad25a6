{#- How many identities of each source resolve to a person: reported, never hidden. -#}
select
    source_system,
    count(*) as identities,
    sum(case when person_key is not null then 1 else 0 end) as matched,
    sum(case when person_key is null then 1 else 0 end) as unmatched,
    cast(sum(case when person_key is not null then 1 else 0 end) as double) / count(*) as match_rate
from {{ ref('int_people__identity_crosswalk') }}
group by source_system
