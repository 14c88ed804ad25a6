{#- Return on expectation, in two parts, per program x KPI:
    - contribution: what the program itself caused (program_impact.effect) against what
      the KPI owner asked for (target - baseline, programs.csv);
    - standing: where the KPI stands now for the whole target job family (the mean of
      its last full window of measurable weeks) against the owner's baseline and target.
    Each with a plain-language status. The contribution's status comes from the
    effect's 95 % interval and the one significance rule (program_impact.is_significant),
    never from the point estimate alone. A trained group's own post-window mean is not
    used as "current": it mixes the program's effect with everything else. -#}
{%- set n_weeks = window_weeks() -%}

with config as (
    select * from {{ ref('stg_config__programs') }}
),

impact as (
    select * from {{ ref('program_impact') }}
),

coverage as (
    select * from {{ ref('int_kpis__coverage') }}
),

catalogue as (
    select
        kpi,
        unit,
        better_direction
    from {{ ref('kpi_catalogue') }}
),

-- The target family's KPI over the last full window before the data stops being measurable.
family_now as (
    select
        config.program_id,
        config.kpi,
        sum(kpi_week.numerator) / nullif(sum(kpi_week.denominator), 0) as current_value,
        count(distinct kpi_week.person_key) as current_people
    from config
    inner join coverage on config.kpi = coverage.kpi
    inner join {{ ref('int_kpis__person_weeks') }} as kpi_week
        on config.kpi = kpi_week.kpi
            and kpi_week.period_start >= cast({{ dbt.dateadd('week', -n_weeks, 'coverage.measurable_until') }} as date)
            and {{ dbt.dateadd('day', 7, 'kpi_week.period_start') }} <= coverage.measurable_until
    inner join {{ ref('int_people__person_versions') }} as person
        on kpi_week.person_key = person.person_key
            and config.target_job_family = person.job_family
            and kpi_week.period_start >= person.valid_from
            and (person.valid_to is null or kpi_week.period_start < person.valid_to)
    group by config.program_id, config.kpi
),

joined as (
    select
        config.program_id,
        config.program_name,
        config.kpi,
        catalogue.unit as kpi_unit,
        catalogue.better_direction,
        config.kpi_owner,
        config.target_job_family,
        config.baseline_value,
        config.target_value,
        -- a figure from fewer than min_group_size people is not shown
        case when family_now.current_people >= {{ var('min_group_size') }} then family_now.current_value end as current_value,
        coalesce(family_now.current_people, 0) as current_people,
        impact.effect as measured_effect,
        impact.effect_ci_low,
        impact.effect_ci_high,
        coalesce(impact.is_significant, false) as is_significant,
        impact.verdict_code,
        coalesce(impact.suppressed, true) as suppressed,
        config.target_value - config.baseline_value as expected_change
    from config
    left join impact on config.program_id = impact.program_id and config.kpi = impact.kpi
    left join family_now on config.program_id = family_now.program_id and config.kpi = family_now.kpi
    left join catalogue on config.kpi = catalogue.kpi
),

scored as (
    select
        joined.*,
        case when joined.expected_change <> 0 and joined.current_value is not null
                then 100.0 * (joined.current_value - joined.baseline_value) / joined.expected_change
        end as progress_pct,
        case when joined.expected_change <> 0 and joined.measured_effect is not null and not joined.suppressed
                then 100.0 * joined.measured_effect / joined.expected_change
        end as effect_share_of_expected_pct,
        -- The interval turned the way the owner expected the KPI to move.
        case when joined.expected_change < 0 then -joined.effect_ci_high else joined.effect_ci_low end as toward_low,
        case when joined.expected_change < 0 then -joined.effect_ci_low else joined.effect_ci_high end as toward_high,
        abs(joined.expected_change) as expected_magnitude
    from joined
),

-- Reached when significant and even the interval's end nearest zero reaches the
-- expected change; not reached when the interval's far end falls short of it;
-- otherwise not distinguishable from it.
contributed as (
    select
        scored.*,
        case
            when scored.verdict_code is null or scored.verdict_code = 'not_measured' then 'not_measured'
            when scored.verdict_code = 'not_credible' then 'not_credible'
            when scored.expected_magnitude = 0 then 'no_expectation'
            when scored.is_significant and scored.toward_low >= scored.expected_magnitude then 'reached'
            when scored.toward_high < scored.expected_magnitude then 'not_reached'
            else 'not_distinguishable'
        end as contribution_code
    from scored
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
from contributed
