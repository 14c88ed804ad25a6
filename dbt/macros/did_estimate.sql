{#-
  Difference-in-differences over matched units, per program x KPI (and per `by`
  column, e.g. the event study's relative_bin), adjusted for teammates' spillover.

  units: a relation with program_id, kpi, the cohort and stratum columns, person_key,
  unit_role ('treated' | 'comparison'), exposure_change (a comparison's team's exposure
  to training, post window share minus pre window share; 0 for the treated) and the
  two values named by `before` and `after`. A stratum is the cohort x job family x job
  level x tenure band; it is used when it has a treated person and at least two
  comparisons with both values (a single comparison leaves no residual to estimate
  the stratum mean's variance: its treated people count as unmatched).

  Spillover: untrained people learn from trained teammates, so a comparison whose team
  is exposed during the windows improves without training, and would bias the
  difference toward zero. Within strata, the comparisons' change is regressed on their
  exposure_change (one slope per program x KPI, pooled within strata):
    spillover = sum_c (x_c - mean_s x)(dy_c - mean_s dy) / sum_c (x_c - mean_s x)^2
  (0 when no comparison's exposure changes), and each stratum's counterfactual change
  is its comparisons' mean change less spillover x their mean exposure_change: what
  unexposed comparisons would have shown. The slope is the teammates' spillover itself
  (untrained teammates against untrained non-teammates), published on its own.

  For treated person i in stratum s:  d_i = (after_i - before_i) - (mean_s dy - spillover
  x mean_s x). The effect is the mean of d_i, i.e. cohorts and strata are weighted by
  their treated count.

  Standard error: cluster-robust by person. Each person's influence u_p is the sum of
  their terms over every unit they appear in (as treated, and as comparison in any
  stratum), with r_c = (dy_c - mean_s dy) - spillover x (x_c - mean_s x):
    treated unit:     (d_i - effect) / n_treated
    comparison unit: -(n_treated_s / n_treated) * r_c / n_comparison_s
                     * sqrt(n_comparison_s / (n_comparison_s - 1))
                     + xbar_w * (x_c - mean_s x) * r_c / Sxx
  (the square root undoes the shrinkage of residuals taken around a mean estimated
  from the same few people; the last term carries the slope's own uncertainty, xbar_w
  being the treated-weighted mean of the strata's comparison exposure_change), and
  Var = G / (G - 1) * sum_p u_p^2 over the G distinct people. The spillover's variance
  is built the same way from (x_c - mean_s x) * r_c / Sxx. Degrees of freedom: the
  smaller side's count of people minus one (min(n_treated, n_comparison) - 1), so that
  few comparisons widen the interval as much as few treated.

  spillover_from: a relation with program_id, kpi and spillover, whose slope is used
  instead of estimating one here, and taken as known (the event study's bins use the
  main estimate's slope: one per bin would be noisy, and would absorb part of any
  pre-period trend it should show).

  influence=true returns, instead of the estimates, each person's influence on each
  one, scaled so that the sum of their squares is the estimate's variance (and the
  sum of their products across two estimates, the covariance).
-#}
{% macro did_estimate(units, before, after, by=[], influence=false, spillover_from=none) %}
    {%- set key = ['program_id', 'kpi'] + by -%}
    {%- set stratum = key + ['registration_week', 'completion_week', 'job_family', 'job_level', 'tenure_band'] -%}
    {%- set on_key -%}
        {% for col in key %}{{ '{left}' }}.{{ col }} = {{ '{right}' }}.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
    {%- endset -%}
    with units as (
        select
            {{ stratum | join(', ') }}, person_key, unit_role,
            {{ before }} as before_value,
            {{ after }} as after_value,
            {{ after }} - {{ before }} as change_value,
            case when unit_role = 'comparison' then coalesce(exposure_change, 0) else 0 end as exposure_value
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
            avg(case when unit_role = 'comparison' then change_value end) as comparison_change_s,
            avg(case when unit_role = 'comparison' then exposure_value end) as comparison_exposure_s
        from units
        group by {{ stratum | join(', ') }}
    ),

    usable_strata as (
        select * from strata where n_treated_s > 0 and n_comparison_s >= 2
    ),

    joined as (
        select
            units.*, s.n_treated_s, s.n_comparison_s, s.comparison_before_s, s.comparison_after_s,
            s.comparison_change_s, s.comparison_exposure_s,
            units.exposure_value - s.comparison_exposure_s as exposure_deviation,
            units.change_value - s.comparison_change_s as change_deviation
        from units
        inner join usable_strata as s
            on {% for col in stratum %}units.{{ col }} = s.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
    ),

    -- The teammates' spillover: the comparisons' within-stratum slope of change on
    -- exposure_change (0 when no comparison's exposure changed); or, with
    -- spillover_from, the slope estimated there, taken as known.
    {%- if spillover_from is not none %}
    slopes as (
        select
            {% for col in key %}keys.{{ col }}, {% endfor %}
            cast(0 as {{ type_double() }}) as sxx,
            coalesce(known.spillover, 0) as spillover
        from (select distinct {{ key | join(', ') }} from joined) as keys
        left join {{ spillover_from }} as known
            on keys.program_id = known.program_id and keys.kpi = known.kpi
    ),
    {%- else %}
    slope_sums as (
        select
            {{ key | join(', ') }},
            sum(case when unit_role = 'comparison' then exposure_deviation * exposure_deviation else 0 end) as sxx,
            sum(case when unit_role = 'comparison' then exposure_deviation * change_deviation else 0 end) as sxy
        from joined
        group by {{ key | join(', ') }}
    ),

    slopes as (
        select
            {{ key | join(', ') }},
            sxx,
            case when sxx > 0 then sxy / sxx else 0 end as spillover
        from slope_sums
    ),
    {%- endif %}

    adjusted as (
        select
            joined.*,
            slopes.sxx,
            slopes.spillover,
            joined.comparison_change_s - slopes.spillover * joined.comparison_exposure_s as counterfactual_change_s,
            joined.change_deviation - slopes.spillover * joined.exposure_deviation as residual
        from joined
        inner join slopes on {{ on_key | replace('{left}', 'joined') | replace('{right}', 'slopes') }}
    ),

    totals as (
        select
            {{ key | join(', ') }},
            sum(case when unit_role = 'treated' then 1 else 0 end) as n_treated,
            count(distinct case when unit_role = 'comparison' then person_key end) as n_comparison,
            avg(case when unit_role = 'treated' then before_value end) as before_treated,
            avg(case when unit_role = 'treated' then after_value end) as after_treated,
            avg(case when unit_role = 'treated' then comparison_before_s end) as before_comparison,
            avg(case when unit_role = 'treated' then comparison_before_s + counterfactual_change_s end) as after_comparison,
            avg(case when unit_role = 'treated' then change_value end) as change_treated,
            avg(case when unit_role = 'treated' then change_value - counterfactual_change_s end) as effect,
            avg(case when unit_role = 'treated' then comparison_exposure_s end) as exposure_weighted,
            max(spillover) as spillover
        from adjusted
        group by {{ key | join(', ') }}
    ),

    influence as (
        select
            {% for col in key %}adjusted.{{ col }}, {% endfor %}adjusted.person_key,
            sum(case
                when adjusted.unit_role = 'treated'
                    then (adjusted.change_value - adjusted.counterfactual_change_s - totals.effect) / totals.n_treated
                else -(cast(adjusted.n_treated_s as {{ type_double() }}) / totals.n_treated)
                     * adjusted.residual / adjusted.n_comparison_s
                     * sqrt(cast(adjusted.n_comparison_s as {{ type_double() }}) / (adjusted.n_comparison_s - 1))
                     + case when adjusted.sxx > 0
                            then totals.exposure_weighted * adjusted.exposure_deviation * adjusted.residual / adjusted.sxx
                            else 0 end
            end) as u,
            sum(case when adjusted.unit_role = 'comparison' and adjusted.sxx > 0
                    then adjusted.exposure_deviation * adjusted.residual / adjusted.sxx else 0 end) as u_spillover
        from adjusted
        inner join totals on {{ on_key | replace('{left}', 'adjusted') | replace('{right}', 'totals') }}
        group by {% for col in key %}adjusted.{{ col }}, {% endfor %}adjusted.person_key
    ),

    variance as (
        select
            {{ key | join(', ') }},
            count(*) as clusters,
            case when count(*) > 1 then sum(u * u) * count(*) / (count(*) - 1) end as effect_variance,
            case when count(*) > 1 then sum(u_spillover * u_spillover) * count(*) / (count(*) - 1) end as spillover_variance
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
    inner join variance on {{ on_key | replace('{left}', 'influence') | replace('{right}', 'variance') }}
    where variance.clusters > 1
    {%- else %}
    select
        totals.*,
        variance.clusters,
        sqrt(variance.effect_variance) as effect_se,
        sqrt(variance.spillover_variance) as spillover_se,
        case when totals.n_treated < totals.n_comparison then totals.n_treated else totals.n_comparison end - 1 as df
    from totals
    inner join variance on {{ on_key | replace('{left}', 'totals') | replace('{right}', 'variance') }}
    {%- endif %}
{% endmacro %}
