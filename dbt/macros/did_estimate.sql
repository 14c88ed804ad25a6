{#-
  Difference-in-differences over matched units, per program x KPI (and per `by`
  column, e.g. the event study's relative_bin), adjusted for teammates' spillover.

  units: a relation with program_id, kpi, the cohort and stratum columns, person_key,
  unit_role ('treated' | 'comparison'), exposure_change (a comparison's team's exposure
  to training, post window share minus pre window share; 0 for the treated),
  other_exposure_change (any unit's team's exposure to the KPI's other programs) and
  the two values named by `before` and `after`. A stratum is the cohort x job family x job
  level x tenure band; it is used when it has a treated person and at least two
  comparisons with both values (a single comparison leaves no residual to estimate
  the stratum mean's variance: its treated people count as unmatched).

  Spillover: untrained people learn from trained teammates, so a comparison whose team
  is exposed during the windows improves without training, and would bias the
  difference toward zero. Within strata, the comparisons' change is regressed on two
  exposures (slopes per program x KPI, pooled within strata): x1 = exposure_change, to
  this program (comparisons only), and x2 = other_exposure_change, to the KPI's other
  programs (every unit: a treated person's team may hold another program's trained
  too). With the within-stratum cross-products S (S11 S12 / S12 S22) and its inverse A
  (both slopes when both exposures vary, else the one that varies, else none):
    (spillover, other_spillover) = A (sum_c e1_c dy_c, sum_c e2_c dy_c),  e = x - mean_s x.
  Each stratum's counterfactual change is its comparisons' mean change less spillover x
  their mean exposure_change (what unexposed comparisons would have shown), plus
  other_spillover x the unit's own other exposure less theirs. The first slope is the
  teammates' spillover itself (untrained teammates against untrained non-teammates),
  published on its own.

  For treated person i in stratum s:  d_i = (after_i - before_i) - (mean_s dy - spillover
  x mean_s x1 + other_spillover x (x2_i - mean_s x2)). The effect is the mean of d_i,
  i.e. cohorts and strata are weighted by their treated count.

  Standard error: cluster-robust by person. Each person's influence u_p is the sum of
  their terms over every unit they appear in (as treated, and as comparison in any
  stratum), with r_c = (dy_c - mean_s dy) - spillover x (x_c - mean_s x):
    treated unit:     (d_i - effect) / n_treated
    comparison unit: -(n_treated_s / n_treated) * r_c / n_comparison_s
                     * sqrt(n_comparison_s / (n_comparison_s - 1))
                     + (g1, g2) A (e1_c, e2_c) r_c
  (the square root undoes the shrinkage of residuals taken around a mean estimated
  from the same few people; the last term carries the slopes' own uncertainty, g1
  being the treated-weighted mean of the strata's comparison exposure_change and g2
  minus the treated's mean other exposure against their stratum's), with
  r_c = e_dy - spillover x e1_c - other_spillover x e2_c, and
  Var = G / (G - 1) * sum_p u_p^2 over the G distinct people. The spillover's variance
  is built the same way from (x_c - mean_s x) * r_c / Sxx. Degrees of freedom: the
  smaller side's count of people minus one (min(n_treated, n_comparison) - 1), so that
  few comparisons widen the interval as much as few treated.

  spillover_from: a relation with program_id, kpi, spillover and other_spillover, whose slopes are used
  instead of estimating one here, and taken as known (the event study's bins use the
  main estimate's slope: one per bin would be noisy, and would absorb part of any
  pre-period trend it should show).

  influence=true returns, instead of the estimates, each person's influence on each
  one, scaled so that the sum of their squares is the estimate's variance (and the
  sum of their products across two estimates, the covariance), and on the two
  spillover slopes (what an estimate built on the slopes, taken as known, adds for
  their uncertainty: its derivative in each slope times these). With totals=true, each
  row also carries its estimate's totals (counts, means, effect, slopes), so that the
  estimates follow from the influences without a second pass over the units (their
  variance is the sum of the squared influences, their clusters the rows).
-#}
{% macro did_estimate(units, before, after, by=[], influence=false, spillover_from=none, totals=false) %}
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
            case when unit_role = 'comparison' then coalesce(exposure_change, 0) else 0 end as exposure_value,
            coalesce(other_exposure_change, 0) as other_value
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
            avg(case when unit_role = 'comparison' then exposure_value end) as comparison_exposure_s,
            avg(case when unit_role = 'comparison' then other_value end) as comparison_other_s
        from units
        group by {{ stratum | join(', ') }}
    ),

    usable_strata as (
        select * from strata where n_treated_s > 0 and n_comparison_s >= 2
    ),

    joined as (
        select
            units.*, s.n_treated_s, s.n_comparison_s, s.comparison_before_s, s.comparison_after_s,
            s.comparison_change_s, s.comparison_exposure_s, s.comparison_other_s,
            units.exposure_value - s.comparison_exposure_s as exposure_deviation,
            units.other_value - s.comparison_other_s as other_deviation,
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
            program_id,
            kpi,
            cast(0 as {{ type_double() }}) as a11,
            cast(0 as {{ type_double() }}) as a12,
            cast(0 as {{ type_double() }}) as a22,
            spillover,
            other_spillover
        from {{ spillover_from }}
    ),
    {%- else %}
    slope_sums as (
        select
            {{ key | join(', ') }},
            sum(case when unit_role = 'comparison' then exposure_deviation * exposure_deviation else 0 end) as s11,
            sum(case when unit_role = 'comparison' then exposure_deviation * other_deviation else 0 end) as s12,
            sum(case when unit_role = 'comparison' then other_deviation * other_deviation else 0 end) as s22,
            sum(case when unit_role = 'comparison' then exposure_deviation * change_deviation else 0 end) as s1y,
            sum(case when unit_role = 'comparison' then other_deviation * change_deviation else 0 end) as s2y
        from joined
        group by {{ key | join(', ') }}
    ),

    -- The inverse of the exposures' cross-products (a11 a12 / a12 a22): both slopes when
    -- both exposures vary and are not collinear, else the one that varies.
    inverses as (
        select
            slope_sums.*,
            slope_sums.s11 * slope_sums.s22 - slope_sums.s12 * slope_sums.s12 as det,
            slope_sums.s11 > 0 and slope_sums.s22 > 0
            and slope_sums.s11 * slope_sums.s22 - slope_sums.s12 * slope_sums.s12 > 1e-9 * slope_sums.s11 * slope_sums.s22
                as both_vary
        from slope_sums
    ),

    inverted as (
        select
            {{ key | join(', ') }},
            s1y,
            s2y,
            case when both_vary then s22 / det when s11 > 0 then 1 / s11 else 0 end as a11,
            case when both_vary then -s12 / det else 0 end as a12,
            case when both_vary then s11 / det when s11 = 0 and s22 > 0 then 1 / s22 else 0 end as a22
        from inverses
    ),

    slopes as (
        select
            {{ key | join(', ') }},
            a11,
            a12,
            a22,
            a11 * s1y + a12 * s2y as spillover,
            a12 * s1y + a22 * s2y as other_spillover
        from inverted
    ),
    {%- endif %}

    adjusted as (
        select
            joined.*,
            coalesce(slopes.a11, 0) as a11,
            coalesce(slopes.a12, 0) as a12,
            coalesce(slopes.a22, 0) as a22,
            coalesce(slopes.spillover, 0) as spillover,
            coalesce(slopes.other_spillover, 0) as other_spillover,
            -- what unexposed comparisons of the stratum would have shown, at this unit's
            -- own exposure to the KPI's other programs
            joined.comparison_change_s - coalesce(slopes.spillover, 0) * joined.comparison_exposure_s
            + coalesce(slopes.other_spillover, 0) * joined.other_deviation as counterfactual_change,
            joined.change_deviation - coalesce(slopes.spillover, 0) * joined.exposure_deviation
            - coalesce(slopes.other_spillover, 0) * joined.other_deviation as residual
        from joined
        {%- if spillover_from is not none %}
        -- slopes known per program x KPI (none known: no spillover)
        left join slopes on joined.program_id = slopes.program_id and joined.kpi = slopes.kpi
        {%- else %}
        inner join slopes on {{ on_key | replace('{left}', 'joined') | replace('{right}', 'slopes') }}
        {%- endif %}
    ),

    totals as (
        select
            {{ key | join(', ') }},
            sum(case when unit_role = 'treated' then 1 else 0 end) as n_treated,
            count(distinct case when unit_role = 'comparison' then person_key end) as n_comparison,
            avg(case when unit_role = 'treated' then before_value end) as before_treated,
            avg(case when unit_role = 'treated' then after_value end) as after_treated,
            avg(case when unit_role = 'treated' then comparison_before_s end) as before_comparison,
            avg(case when unit_role = 'treated' then comparison_before_s + counterfactual_change end) as after_comparison,
            avg(case when unit_role = 'treated' then change_value end) as change_treated,
            avg(case when unit_role = 'treated' then change_value - counterfactual_change end) as effect,
            avg(case when unit_role = 'treated' then comparison_exposure_s end) as exposure_weighted,
            -avg(case when unit_role = 'treated' then other_deviation end) as other_weighted,
            max(spillover) as spillover,
            max(other_spillover) as other_spillover
        from adjusted
        group by {{ key | join(', ') }}
    ),

    -- Each person's terms, summed over their units before the estimate's totals join
    -- them: the treated's (d_i - effect) / n_treated is (their sum of d_i - effect x their
    -- treated units) / n_treated, and the comparisons' slope terms are the totals'
    -- weights times the person's sums, so a person's row, not each unit, meets the totals.
    person_terms as (
        select
            {{ key | join(', ') }},
            person_key,
            sum(case when unit_role = 'treated' then change_value - counterfactual_change else 0 end) as treated_change,
            sum(case when unit_role = 'treated' then 1 else 0 end) as treated_units,
            sum(case when unit_role = 'comparison'
                    then cast(n_treated_s as {{ type_double() }}) * residual / n_comparison_s
                         * sqrt(cast(n_comparison_s as {{ type_double() }}) / (n_comparison_s - 1))
                    else 0 end) as comparison_term,
            sum(case when unit_role = 'comparison'
                    then (a11 * exposure_deviation + a12 * other_deviation) * residual
                    else 0 end) as u_spillover,
            sum(case when unit_role = 'comparison'
                    then (a12 * exposure_deviation + a22 * other_deviation) * residual
                    else 0 end) as u_other_spillover
        from adjusted
        group by {{ key | join(', ') }}, person_key
    ),

    influence as (
        select
            {% for col in key %}person_terms.{{ col }}, {% endfor %}person_terms.person_key,
            (person_terms.treated_change - totals.effect * person_terms.treated_units - person_terms.comparison_term)
            / totals.n_treated
            -- the slopes' own uncertainty: each comparison's influence on them, times how
            -- much the effect moves with each
            + totals.exposure_weighted * person_terms.u_spillover
            + totals.other_weighted * person_terms.u_other_spillover as u,
            person_terms.u_spillover,
            person_terms.u_other_spillover
        from person_terms
        inner join totals on {{ on_key | replace('{left}', 'person_terms') | replace('{right}', 'totals') }}
    ),

    variance as (
        select
            {{ key | join(', ') }},
            count(*) as clusters,
            case when count(*) > 1 then sum(u * u) * count(*) / (count(*) - 1) end as effect_variance,
            case when count(*) > 1 then sum(u_spillover * u_spillover) * count(*) / (count(*) - 1) end as spillover_variance,
            -- sqrt(G / (G - 1)): each influence scaled so that its squares sum to the variance
            case when count(*) > 1 then sqrt(cast(count(*) as {{ type_double() }}) / (count(*) - 1)) end as cluster_factor
        from influence
        group by {{ key | join(', ') }}
    )

    {%- if influence %}
    -- Each person's influence on each estimate (what the variance is built from), for
    -- tests that combine several estimates (int_impact__pretrend_tests).
    select
        {% for col in key %}influence.{{ col }}, {% endfor %}influence.person_key,
        influence.u * variance.cluster_factor as influence,
        -- on the two spillover slopes (0 when they were taken as known)
        influence.u_spillover * variance.cluster_factor as spillover_influence,
        influence.u_other_spillover * variance.cluster_factor as other_spillover_influence
        {%- if totals %}
        {%- for col in did_totals() %},
        totals.{{ col }}
        {%- endfor %}
        {%- endif %}
    from influence
    inner join variance on {{ on_key | replace('{left}', 'influence') | replace('{right}', 'variance') }}
    {%- if totals %}
    inner join totals on {{ on_key | replace('{left}', 'influence') | replace('{right}', 'totals') }}
    {%- endif %}
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

{#- The totals each estimate of did_estimate carries (after its key), in order. -#}
{% macro did_totals() -%}
    {{ return(['n_treated', 'n_comparison', 'before_treated', 'after_treated', 'before_comparison',
               'after_comparison', 'change_treated', 'effect', 'exposure_weighted', 'other_weighted',
               'spillover', 'other_spillover']) }}
{%- endmacro %}
