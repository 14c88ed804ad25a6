{#- Small-sample inference in portable SQL: arithmetic, exp, ln and sqrt only, so the
    same numbers come out of every warehouse. -#}

{#- The two-sided 95 % critical value of Student's t for `df` degrees of freedom, by
    the Cornish-Fisher expansion around the normal 1.959964 (within 0.5 % of the
    exact value for df >= 4; 1.96 as df grows). -#}
{% macro t_critical_95(df) -%}
    (1.959964
     + (power(1.959964, 3) + 1.959964) / ({{ double_literal('4.0') }} * ({{ df }}))
     + (5 * power(1.959964, 5) + 16 * power(1.959964, 3) + 3 * 1.959964) / ({{ double_literal('96.0') }} * power({{ df }}, 2))
     + (3 * power(1.959964, 7) + 19 * power(1.959964, 5) + 17 * power(1.959964, 3) - 15 * 1.959964)
       / ({{ double_literal('384.0') }} * power({{ df }}, 3)))
{%- endmacro %}

{#- The upper tail of the standard normal at z >= 0 (Abramowitz & Stegun 26.2.17,
    absolute error below 7.5e-8). -#}
{% macro normal_upper_tail(z) -%}
    (exp(-0.5 * ({{ z }}) * ({{ z }})) / 2.5066282746310002
     * (1.0 / (1.0 + 0.2316419 * ({{ z }})))
     * (0.319381530 + (1.0 / (1.0 + 0.2316419 * ({{ z }})))
        * (-0.356563782 + (1.0 / (1.0 + 0.2316419 * ({{ z }})))
           * (1.781477937 + (1.0 / (1.0 + 0.2316419 * ({{ z }})))
              * (-1.821255978 + (1.0 / (1.0 + 0.2316419 * ({{ z }}))) * 1.330274429)))))
{%- endmacro %}

{#- The two-sided p-value of a t statistic with `df` degrees of freedom: t is mapped to
    the normal by Wallace's transformation z = (8 df + 1) / (8 df + 3) sqrt(df ln(1 +
    t^2 / df)), then the normal tail is taken (absolute error below 0.002 for df >= 4,
    below 0.0002 for df >= 10). Null when df < 1. -#}
{% macro t_two_sided_p(t, df) -%}
    case when ({{ df }}) >= 1 and ({{ t }}) is not null then
        least(1.0, 2.0 * {{ normal_upper_tail(
            '(' ~ double_literal('8.0') ~ ' * (' ~ df ~ ') + 1.0) / (' ~ double_literal('8.0') ~ ' * (' ~ df ~ ') + 3.0) * sqrt((' ~ df ~ ') * ln(1.0 + (' ~ t ~ ') * (' ~ t ~ ') / (' ~ df ~ ')))'
        ) }})
    end
{%- endmacro %}

{#- Holm's step-down adjustment of `p` within each `family` (a column list), as a
    select over `relation` adding the column `out`: the i-th smallest of m p-values
    becomes the running max over j <= i of min(1, (m - j + 1) p_j). Rows with a null p
    stay null and do not count in m. -#}
{% macro holm(relation, p, family, out) -%}
    select
        ranked.*,
        case when ranked.{{ p }} is not null then
            max(ranked.holm_term) over (
                partition by {{ family }} order by ranked.holm_rank rows between unbounded preceding and current row)
        end as {{ out }}
    from (
        select
            family_rows.*,
            row_number() over (
                partition by {{ family }}
                order by case when {{ p }} is null then 1 else 0 end, {{ p }}) as holm_rank,
            least(1.0, (count({{ p }}) over (partition by {{ family }})
                        - row_number() over (
                            partition by {{ family }}
                            order by case when {{ p }} is null then 1 else 0 end, {{ p }}) + 1) * {{ p }}) as holm_term
        from {{ relation }} as family_rows
    ) as ranked
{%- endmacro %}
