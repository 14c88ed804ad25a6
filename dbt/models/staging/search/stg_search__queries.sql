{#- One row per search (a query_id delivered twice is one search). A view on DuckDB, so
    that the query text raw blanks after its retention is gone here too. -#}
with latest as (
    {{ latest_by(source('search', 'queries'), 'trim(query_id)', '_extract_date desc, _record_number desc') }}
)

select
    trim(query_id) as query_id,
    {{ normalise_email(adapter.quote('user.email')) }} as user_email,
    searched_at,
    nullif(trim(query_text), '') as query_text,
    results_count,
    nullif(trim(clicked_result), '') as clicked_result,
    clicked_at,
    lower(nullif(trim(source), '')) as search_source,
    _loaded_at
from latest
