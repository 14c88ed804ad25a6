{#- Every identity a source system uses for a person, with the person_key it
    resolves to and the rule that matched it. Identities that match no HRIS record
    (contractors, test accounts, purged leavers) stay, with a null person_key. -#}
with emails as (
    select * from {{ ref('int_people__email_to_employee') }}
),

lms_users as (
    select * from {{ ref('stg_lms__users') }}
),

xapi_actors as (
    select distinct
        actor_identity_type,
        actor_identity
    from {{ ref('stg_lms__xapi_statements') }}
    where actor_identity is not null
),

xapi as (
    select
        'lms_xapi' as source_system,
        xapi_actors.actor_identity_type as identity_type,
        xapi_actors.actor_identity as source_identity,
        coalesce(by_mbox.person_key, by_sha1.person_key, by_account.person_key) as person_key,
        case
            when by_mbox.person_key is not null then 'xapi_mbox_email'
            when by_sha1.person_key is not null then 'xapi_mbox_sha1sum'
            when by_account.person_key is not null then 'xapi_account_via_lms_user'
        end as match_rule
    from xapi_actors
    left join emails as by_mbox
        on xapi_actors.actor_identity_type = 'mbox' and xapi_actors.actor_identity = by_mbox.work_email
    left join emails as by_sha1
        on xapi_actors.actor_identity_type = 'mbox_sha1sum'
            and xapi_actors.actor_identity = {{ sha1_hex(dbt.concat(["'mailto:'", "by_sha1.work_email"])) }}
    left join lms_users
        on xapi_actors.actor_identity_type = 'account' and xapi_actors.actor_identity = lms_users.username
    left join emails as by_account
        on lms_users.email = by_account.work_email
),

by_email as (
    select
        'lms_user' as source_system,
        'email' as identity_type,
        email as source_identity
    from lms_users
    where email is not null
    union all
    select distinct
        'lms_survey' as source_system,
        'email' as identity_type,
        respondent_email as source_identity
    from {{ ref('stg_lms__surveys') }}
    where respondent_email is not null
    union all
    select
        'crm_user' as source_system,
        'user_id' as identity_type,
        crm_user_id as source_identity
    from {{ ref('stg_crm__users') }}
    union all
    select distinct
        'servicedesk_assignee' as source_system,
        'email' as identity_type,
        assignee_email as source_identity
    from {{ ref('stg_servicedesk__incidents') }}
    where assignee_email is not null
    union all
    select distinct
        'kb_user' as source_system,
        'email' as identity_type,
        user_email as source_identity
    from {{ ref('stg_servicedesk__kb_use') }}
    where user_email is not null
    union all
    select distinct
        'search_user' as source_system,
        'email' as identity_type,
        user_email as source_identity
    from {{ ref('stg_search__queries') }}
    where user_email is not null
),

crm_emails as (
    select
        crm_user_id,
        email
    from {{ ref('stg_crm__users') }}
),

others as (
    select
        by_email.source_system,
        by_email.identity_type,
        by_email.source_identity,
        emails.person_key,
        case when emails.person_key is not null then by_email.source_system || '_email' end as match_rule
    from by_email
    left join crm_emails
        on by_email.identity_type = 'user_id' and by_email.source_identity = crm_emails.crm_user_id
    left join emails
        on emails.work_email = case when by_email.identity_type = 'user_id' then crm_emails.email else by_email.source_identity end
)

select
    source_system,
    identity_type,
    source_identity,
    person_key,
    coalesce(match_rule, 'unmatched') as match_rule
from xapi
union all
select
    source_system,
    identity_type,
    source_identity,
    person_key,
    coalesce(match_rule, 'unmatched') as match_rule
from others
