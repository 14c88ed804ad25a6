{#- What a BI user needs to trust the figures: per landed file, the rows read, loaded and
    quarantined with the first quarantined lines and the commonest reason; per
    plausibility rule, the rows flagged (kept, and left out of the KPIs their flaw
    corrupts). Each row says where to look. -#}
with files as (
    select * from {{ ref('stg_ingest__file_ledger') }}
),

quarantined as (
    select * from {{ ref('stg_ingest__quarantine') }}
),

reasons as (
    select
        file_key,
        reason,
        count(*) as n_rows
    from quarantined
    group by file_key, reason
),

main_reason as (
    {{ latest_by('reasons', 'file_key', 'n_rows desc, reason') }}
),

first_lines as (
    select
        file_key,
        line,
        row_number() over (partition by file_key order by line) as line_rank
    from quarantined
),

lines as (
    select
        file_key,
        {{ dbt.listagg('cast(line as ' ~ dbt.type_string() ~ ')', "', '", 'order by line') }} as first_lines
    from first_lines
    where line_rank <= 10
    group by file_key
),

file_rows as (
    select
        'file:' || files.file_key as check_id,
        cast('quarantine' as {{ dbt.type_string() }}) as check_kind,
        files.feed,
        files.file_key as landed_file,
        cast(null as {{ dbt.type_string() }}) as rule,
        files.rows_loaded + files.rows_quarantined as rows_checked,
        files.rows_loaded,
        files.rows_quarantined as rows_set_aside,
        case
            when files.rows_loaded + files.rows_quarantined > 0
                then cast(files.rows_quarantined as {{ type_double() }}) / (files.rows_loaded + files.rows_quarantined)
        end as share_set_aside,
        lines.first_lines,
        main_reason.reason as main_reason,
        cast(null as {{ dbt.type_string() }}) as left_out_of,
        case
            when files.rows_quarantined > 0
                then 'raw._quarantine in the warehouse, file = ''' || files.file_key || ''' (lines ' || lines.first_lines
                    || case when files.rows_quarantined > 10 then ', ...' else '' end || ')'
        end as where_to_look
    from files
    left join lines on files.file_key = lines.file_key
    left join main_reason on files.file_key = main_reason.file_key
),

rule_rows as (
    select
        'rule:' || model_name || '.' || flag_column as check_id,
        cast('plausibility' as {{ dbt.type_string() }}) as check_kind,
        cast(null as {{ dbt.type_string() }}) as feed,
        cast(null as {{ dbt.type_string() }}) as landed_file,
        rule,
        total_rows as rows_checked,
        total_rows as rows_loaded,
        flagged_rows as rows_set_aside,
        flagged_share as share_set_aside,
        cast(null as {{ dbt.type_string() }}) as first_lines,
        cast(null as {{ dbt.type_string() }}) as main_reason,
        left_out_of,
        'the ' || model_name || ' rows with ' || flag_column || ' true (the model''s GX suite in Data Docs)' as where_to_look
    from {{ ref('int_quality__row_flags') }}
),

checks as (
    select * from file_rows
    union all
    select * from rule_rows
)

select
    cast(check_id as {{ dbt.type_string() }}) as check_id,
    cast(check_kind as {{ dbt.type_string() }}) as check_kind,
    cast(feed as {{ dbt.type_string() }}) as feed,
    cast(landed_file as {{ dbt.type_string() }}) as landed_file,
    cast(rule as {{ dbt.type_string() }}) as rule,
    cast(rows_checked as {{ dbt.type_bigint() }}) as rows_checked,
    cast(rows_loaded as {{ dbt.type_bigint() }}) as rows_loaded,
    cast(rows_set_aside as {{ dbt.type_bigint() }}) as rows_set_aside,
    cast(share_set_aside as {{ type_double() }}) as share_set_aside,
    cast(first_lines as {{ dbt.type_string() }}) as first_lines,
    cast(main_reason as {{ dbt.type_string() }}) as main_reason,
    cast(left_out_of as {{ dbt.type_string() }}) as left_out_of,
    cast(where_to_look as {{ dbt.type_string() }}) as where_to_look
from checks
