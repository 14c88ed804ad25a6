{#- Each program x KPI's verdict (int_verdicts__kpi_verdicts) in words, with the figures
    it rests on: what every surface shows. One row per program x KPI. -#}
{%- set min_group = var('min_group_size') -%}

with verdicts as (
    select * from {{ ref('int_verdicts__kpi_verdicts') }}
),

worded as (
    select
        verdicts.program_id,
        verdicts.kpi,
        case verdicts.verdict_code
            when 'not_measured'
                then 'not measured: ' || case
                        when verdicts.n_completers < {{ min_group }}
                            then cast(verdicts.n_completers as {{ dbt.type_string() }}) || ' completed it'
                        when verdicts.n_treated < {{ min_group }}
                            then cast(verdicts.n_treated as {{ dbt.type_string() }}) || ' of '
                                || cast(verdicts.n_completers as {{ dbt.type_string() }}) || ' completers could be measured'
                        else cast(verdicts.n_comparison as {{ dbt.type_string() }}) || ' comparable colleagues could be measured'
                    end || ', fewer than {{ min_group }}'
            when 'not_credible'
                then 'not credible: ' || case
                        when verdicts.parallel = false then 'the trained and comparison groups diverged before training'
                        else 'too few weeks before training to test that the groups moved alike'
                    end
            when 'improved'
                then 'improved by ' || {{ amount_text('verdicts.effect', 'verdicts.unit') }}
                    || ' (95 % interval ' || {{ interval_text('verdicts.ci_low', 'verdicts.ci_high', 'verdicts.unit') }} || ')'
            when 'worsened'
                then 'worsened by ' || {{ amount_text('verdicts.effect', 'verdicts.unit') }}
                    || ' (95 % interval ' || {{ interval_text('verdicts.ci_low', 'verdicts.ci_high', 'verdicts.unit') }} || ')'
            when 'no_effect'
                then 'no effect larger than '
                    || {{ amount_text('greatest(abs(verdicts.ci_low), abs(verdicts.ci_high))', 'verdicts.unit') }}
                    || ': the 95 % interval (' || {{ interval_text('verdicts.ci_low', 'verdicts.ci_high', 'verdicts.unit') }}
                    || ') rules out the ' || {{ amount_text('verdicts.expected_magnitude', 'verdicts.unit') }} || ' the KPI owner expected'
            else 'inconclusive: '
                || case
                    when verdicts.ci_low <= 0 and verdicts.ci_high >= 0 then 'not told apart from zero'
                    else 'not significant once adjusted across every program''s KPIs'
                end
                || ' (95 % interval ' || {{ interval_text('verdicts.ci_low', 'verdicts.ci_high', 'verdicts.unit') }}
                || '); an effect smaller than ' || {{ amount_text('verdicts.mde', 'verdicts.unit') }} || ' could not be detected'
                || case
                    when verdicts.more_completers > 0
                        then '; about ' || cast(verdicts.more_completers as {{ dbt.type_string() }})
                            || ' more completers would detect the ' || {{ amount_text('verdicts.expected_magnitude', 'verdicts.unit') }}
                            || ' the KPI owner expected'
                    else ''
                end
        end as verdict_text
    from verdicts
)

select * from worded
