{#- The current state of each opportunity: its latest version wins, deleted ones go. -#}
with latest as (
    {{ latest_by(source('crm', 'opportunities'), 'Id', 'LastModifiedDate desc, _extract_date desc, _record_number desc') }}
)

select
    trim(Id) as opportunity_id,
    Name as opportunity_name,
    trim(AccountId) as account_id,
    trim(OwnerId) as owner_crm_user_id,
    StageName as stage_name,
    Amount as amount,
    upper(CurrencyIsoCode) as currency,
    Probability as probability,
    CreatedDate as created_at,
    CloseDate as close_date,
    IsClosed as is_closed,
    IsWon as is_won,
    LastModifiedDate as last_modified_at,
    -- Plausibility flag: kept, and left out of the sales cycle only (int_kpis__events).
    coalesce(IsClosed and CloseDate < cast(CreatedDate as date), false) as has_close_before_creation
from latest
where not coalesce(IsDeleted, false)
