{#- Return on expectation, in two parts, per program x KPI:
    - contribution: what the program itself caused (program_impact.effect) against what
      the KPI owner asked for (target - baseline, programs.csv);
    - standing: where the KPI stands now for the whole target job family (the mean of
      its last full window of measurable weeks) against the owner's baseline and target.
    Each with a plain-language status. The contribution's status comes from the
    effect's 95 % interval and the one significance rule (program_impact.is_significant),
    never from the point estimate alone (int_verdicts__kpi_contributions decides it). -#}

with contributions as (
    select * from {{ ref('int_verdicts__kpi_contributions') }}
)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(kpi_unit as {{ dbt.type_string() }}) as kpi_unit,
    cast(better_direction as {{ dbt.type_string() }}) as better_direction,
    cast(kpi_owner as {{ dbt.type_string() }}) as kpi_owner,
    cast(target_job_family as {{ dbt.type_string() }}) as target_job_family,
    cast(baseline_value as {{ type_double() }}) as baseline_value,
    cast(target_value as {{ type_double() }}) as target_value,
    cast(current_value as {{ type_double() }}) as current_value,
    cast(current_people as {{ dbt.type_bigint() }}) as current_people,
    cast(progress_pct as {{ type_double() }}) as progress_pct,
    cast(measured_effect as {{ type_double() }}) as measured_effect,
    cast(effect_share_of_expected_pct as {{ type_double() }}) as effect_share_of_expected_pct,
    cast(contribution_code as {{ dbt.type_string() }}) as contribution_code,
    cast(case
        when contribution_code = 'not_measured' then 'not measured: too few people'
        when contribution_code = 'not_credible' then 'not credible: the groups diverged before training'
        when contribution_code = 'no_expectation' then 'no change was expected'
        when contribution_code = 'reached' then 'delivered what was expected: even the end of its interval nearest zero reaches it'
        when contribution_code = 'not_distinguishable' and is_significant
            then 'delivered a measurable change, not distinguishable from the one expected'
        when contribution_code = 'not_distinguishable'
            then 'inconclusive: not distinguishable from what was expected, nor from no change'
        when is_significant and toward_low > 0
            then 'delivered part of what was expected: a measurable change, but its interval falls short of the expected one'
        when is_significant then 'moved the KPI the wrong way'
        else 'did not deliver what was expected: its interval falls short of the expected change, and no change could be told apart from zero'
    end as {{ dbt.type_string() }}) as contribution_status,
    cast(case
        when current_value is null then 'not measurable'
        when progress_pct >= 100 then 'target met'
        when progress_pct >= 50 then 'on track'
        else 'off track'
    end as {{ dbt.type_string() }}) as status
from contributions
