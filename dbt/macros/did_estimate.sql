{#-
  Difference-in-differences over matched units, per program x KPI.

  units: a relation with program_id, kpi, the cohort and stratum columns, person_key,
  unit_role ('treated' | 'comparison'), and the two window values named by
  `before` and `after`. Only matched units (is_matched) take part.

  For treated person i in stratum s:  d_i = (after_i - before_i) - mean over the
  comparisons c of s of (after_c - before_c). The effect is the mean of d_i, i.e.
  cohorts and strata are weighted by their treated count.

  Standard error: cluster-robust by person. The estimate is linear in the units'
  changes, so each person's influence u_p is the sum of their weighted residuals
  over every unit they appear in (as treated, and as comparison in any stratum):
    treated unit:     (d_i - effect) / n_treated
    comparison unit: -(n_treated_s / n_treated) * (change - mean comparison change in s) / n_comparison_s
  and Var = G / (G - 1) * sum_p u_p^2 over the G distinct people. The interval uses
  Student's t with n_treated - 1 degrees of freedom (t_critical_95), not 1.96, so
  that small groups get honest widths.
-#}
{% macro did_estimate(units, before, after) %}
    {%- set stratum = 'program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band, baseline_band' -%}
    with units as (
        select
            {{ stratum }}, person_key, unit_role,
            {{ before }} as before_value,
            {{ after }} as after_value,
            {{ after }} - {{ before }} as change_value
        from {{ units }}
        where is_matched and {{ before }} is not null and {{ after }} is not null
    ),

    strata as (
        select
            {{ stratum }},
            sum(case when unit_role = 'treated' then 1 else 0 end) as n_treated_s,
            sum(case when unit_role = 'comparison' then 1 else 0 end) as n_comparison_s,
            avg(case when unit_role = 'comparison' then before_value end) as comparison_before_s,
            avg(case when unit_role = 'comparison' then after_value end) as comparison_after_s,
            avg(case when unit_role = 'comparison' then change_value end) as comparison_change_s
        from units
        group by {{ stratum }}
    ),

    usable_strata as (
        select * from strata where n_treated_s > 0 and n_comparison_s > 0
    ),

    joined as (
        select units.*, s.n_treated_s, s.n_comparison_s, s.comparison_before_s, s.comparison_after_s, s.comparison_change_s
        from units
        inner join usable_strata as s
            on {% for col in stratum.split(', ') %}units.{{ col }} = s.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
    ),

    totals as (
        select
            program_id, kpi,
            sum(case when unit_role = 'treated' then 1 else 0 end) as n_treated,
            count(distinct case when unit_role = 'comparison' then person_key end) as n_comparison,
            avg(case when unit_role = 'treated' then before_value end) as before_treated,
            avg(case when unit_role = 'treated' then after_value end) as after_treated,
            avg(case when unit_role = 'treated' then comparison_before_s end) as before_comparison,
            avg(case when unit_role = 'treated' then comparison_after_s end) as after_comparison,
            avg(case when unit_role = 'treated' then change_value end) as change_treated,
            avg(case when unit_role = 'treated' then change_value - comparison_change_s end) as effect
        from joined
        group by program_id, kpi
    ),

    influence as (
        select
            joined.program_id, joined.kpi, joined.person_key,
            sum(case
                when joined.unit_role = 'treated'
                    then (joined.change_value - joined.comparison_change_s - totals.effect) / totals.n_treated
                else -(cast(joined.n_treated_s as double) / totals.n_treated)
                     * (joined.change_value - joined.comparison_change_s) / joined.n_comparison_s
            end) as u
        from joined
        inner join totals on joined.program_id = totals.program_id and joined.kpi = totals.kpi
        group by joined.program_id, joined.kpi, joined.person_key
    ),

    variance as (
        select
            program_id, kpi,
            count(*) as clusters,
            case when count(*) > 1 then sum(u * u) * count(*) / (count(*) - 1) end as effect_variance
        from influence
        group by program_id, kpi
    )

    select
        totals.*,
        variance.clusters,
        sqrt(variance.effect_variance) as effect_se,
        {{ t_critical_95('totals.n_treated - 1') }} as t_critical
    from totals
    inner join variance on totals.program_id = variance.program_id and totals.kpi = variance.kpi
{% endmacro %}


{#- The two-sided 95 % critical value of Student's t for `df` degrees of freedom, by
    the Cornish-Fisher expansion around the normal 1.959964 (within 0.5 % of the
    exact value for df >= 4; 1.96 as df grows). Portable: arithmetic only. -#}
{% macro t_critical_95(df) -%}
    (1.959964
     + (power(1.959964, 3) + 1.959964) / (4.0 * ({{ df }}))
     + (5 * power(1.959964, 5) + 16 * power(1.959964, 3) + 3 * 1.959964) / (96.0 * power({{ df }}, 2))
     + (3 * power(1.959964, 7) + 19 * power(1.959964, 5) + 17 * power(1.959964, 3) - 15 * 1.959964)
       / (384.0 * power({{ df }}, 3)))
{%- endmacro %}
