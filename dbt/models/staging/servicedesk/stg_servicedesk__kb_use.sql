{#- One row per knowledge-article view: its latest version (a view attached to a ticket
    later repeats with used = true). -#}
with latest as (
    {{ latest_by(ref('base_servicedesk__kb_use'), 'trim(sys_id)', 'sys_updated_on desc, _extract_date desc, _record_number desc') }}
)

select
    trim(sys_id) as kb_use_id,
    upper(trim(article)) as article,
    {{ normalise_email(adapter.quote('user.email')) }} as user_email,
    viewed_on as viewed_at,
    coalesce(used, false) as is_used,
    {{ ticket_number('incident') }} as incident_number,
    sys_updated_on as updated_at,
    _loaded_at
from latest
