{#- Return on expectation, in two parts, per program x KPI:
    - contribution: what the program itself caused (program_impact.effect) against what
      the KPI owner asked for (target - baseline, programs.csv);
    - standing: where the KPI stands now for the whole target job family (the mean of
      its last full window of measurable weeks) against the owner's baseline and target.
    Each with a plain-language status. A trained group's own post-window mean is not
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
        sum(kpi_week.numerator) / nullif(sum(kpi_week.denominator), 0) as current_value
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
        family_now.current_value,
        impact.effect as measured_effect,
        impact.effect_ci_low,
        impact.effect_ci_high,
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
        end as effect_share_of_expected_pct
    from joined
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
    cast(progress_pct as {{ type_double() }}) as progress_pct,
    cast(measured_effect as {{ type_double() }}) as measured_effect,
    cast(effect_share_of_expected_pct as {{ type_double() }}) as effect_share_of_expected_pct,
    cast(case
        when effect_share_of_expected_pct is null then 'not measurable'
        when effect_share_of_expected_pct >= 100 then 'delivered what was expected'
        when effect_share_of_expected_pct >= 50 then 'delivered part of what was expected'
        when effect_share_of_expected_pct > 0 then 'delivered little of what was expected'
        else 'did not move the KPI the expected way'
    end as {{ dbt.type_string() }}) as contribution_status,
    cast(case
        when current_value is null then 'not measurable'
        when progress_pct >= 100 then 'target met'
        when progress_pct >= 50 then 'on track'
        else 'off track'
    end as {{ dbt.type_string() }}) as status
from scored
