{#-
  Difference-in-differences over matched units, per program x KPI (and per `by`
  column, e.g. the event study's relative_bin).

  units: a relation with program_id, kpi, the cohort and stratum columns, person_key,
  unit_role ('treated' | 'comparison'), and the two
  values named by `before` and `after`. A stratum is the cohort x job family x job
  level x tenure band; it is used when it has a treated person and at least
  two comparisons with both values (a single comparison leaves no residual to
  estimate the stratum mean's variance: its treated people count as unmatched).

  For treated person i in stratum s:  d_i = (after_i - before_i) - mean over the
  comparisons c of s of (after_c - before_c). The effect is the mean of d_i, i.e.
  cohorts and strata are weighted by their treated count.

  Standard error: cluster-robust by person. The estimate is linear in the units'
  changes, so each person's influence u_p is the sum of their weighted residuals
  over every unit they appear in (as treated, and as comparison in any stratum):
    treated unit:     (d_i - effect) / n_treated
    comparison unit: -(n_treated_s / n_treated) * (change - mean comparison change in s) / n_comparison_s
                     * sqrt(n_comparison_s / (n_comparison_s - 1))
  (the last factor undoes the shrinkage of residuals taken around a mean estimated
  from the same few people), and Var = G / (G - 1) * sum_p u_p^2 over the G distinct
  people. Degrees of freedom: the smaller side's count of people minus one
  (min(n_treated, n_comparison) - 1), so that few comparisons widen the interval
  as much as few treated.

  influence=true returns, instead of the estimates, each person's influence on each
  one, scaled so that the sum of their squares is the estimate's variance (and the
  sum of their products across two estimates, the covariance).
-#}
{% macro did_estimate(units, before, after, by=[], influence=false) %}
    {%- set key = ['program_id', 'kpi'] + by -%}
    {%- set stratum = key + ['registration_week', 'completion_week', 'job_family', 'job_level', 'tenure_band'] -%}
    with units as (
        select
            {{ stratum | join(', ') }}, person_key, unit_role,
            {{ before }} as before_value,
            {{ after }} as after_value,
            {{ after }} - {{ before }} as change_value
        from {{ units }}
        where unit_role in ('treated', 'comparison')
          and {{ before }} is not null and {{ after }} is not null
    ),

    strata as (
        select
            {{ stratum | join(', ') }},
            sum(case when unit_role = 'treated' then 1 else 0 end) as n_treated_s,
            sum(case when unit_role = 'comparison' then 1 else 0 end) as n_comparison_s,
            avg(case when unit_role = 'comparison' then before_value end) as comparison_before_s,
            avg(case when unit_role = 'comparison' then after_value end) as comparison_after_s,
            avg(case when unit_role = 'comparison' then change_value end) as comparison_change_s
        from units
        group by {{ stratum | join(', ') }}
    ),

    usable_strata as (
        select * from strata where n_treated_s > 0 and n_comparison_s >= 2
    ),

    joined as (
        select
            units.*, s.n_treated_s, s.n_comparison_s, s.comparison_before_s, s.comparison_after_s,
            s.comparison_change_s
        from units
        inner join usable_strata as s
            on {% for col in stratum %}units.{{ col }} = s.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
    ),

    totals as (
        select
            {{ key | join(', ') }},
            sum(case when unit_role = 'treated' then 1 else 0 end) as n_treated,
            count(distinct case when unit_role = 'comparison' then person_key end) as n_comparison,
            avg(case when unit_role = 'treated' then before_value end) as before_treated,
            avg(case when unit_role = 'treated' then after_value end) as after_treated,
            avg(case when unit_role = 'treated' then comparison_before_s end) as before_comparison,
            avg(case when unit_role = 'treated' then comparison_after_s end) as after_comparison,
            avg(case when unit_role = 'treated' then change_value end) as change_treated,
            avg(case when unit_role = 'treated' then change_value - comparison_change_s end) as effect
        from joined
        group by {{ key | join(', ') }}
    ),

    influence as (
        select
            {% for col in key %}joined.{{ col }}, {% endfor %}joined.person_key,
            sum(case
                when joined.unit_role = 'treated'
                    then (joined.change_value - joined.comparison_change_s - totals.effect) / totals.n_treated
                else -(cast(joined.n_treated_s as {{ type_double() }}) / totals.n_treated)
                     * (joined.change_value - joined.comparison_change_s) / joined.n_comparison_s
                     * sqrt(cast(joined.n_comparison_s as {{ type_double() }}) / (joined.n_comparison_s - 1))
            end) as u
        from joined
        inner join totals
            on {% for col in key %}joined.{{ col }} = totals.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
        group by {% for col in key %}joined.{{ col }}, {% endfor %}joined.person_key
    ),

    variance as (
        select
            {{ key | join(', ') }},
            count(*) as clusters,
            case when count(*) > 1 then sum(u * u) * count(*) / (count(*) - 1) end as effect_variance
        from influence
        group by {{ key | join(', ') }}
    )

    {%- if influence %}
    -- Each person's influence on each estimate (what the variance is built from), for
    -- tests that combine several estimates (int_impact__pretrend_tests).
    select
        {% for col in key %}influence.{{ col }}, {% endfor %}influence.person_key,
        influence.u * sqrt(cast(variance.clusters as {{ type_double() }}) / (variance.clusters - 1)) as influence
    from influence
    inner join variance
        on {% for col in key %}influence.{{ col }} = variance.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
    where variance.clusters > 1
    {%- else %}
    select
        totals.*,
        variance.clusters,
        sqrt(variance.effect_variance) as effect_se,
        case when totals.n_treated < totals.n_comparison then totals.n_treated else totals.n_comparison end - 1 as df
    from totals
    inner join variance
        on {% for col in key %}totals.{{ col }} = variance.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
    {%- endif %}
{% endmacro %}
