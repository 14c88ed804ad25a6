{#- Words the marts publish, so that every surface renders one text.

    amount_text: a KPI amount (a magnitude; the sentence says the direction) in the
    KPI's unit, as people read it: a share in percentage points, a duration in its unit. -#}
{% macro amount_text(value, unit) -%}
    case
        when {{ unit }} = 'share' then cast(round(100 * abs({{ value }}), 1) as {{ dbt.type_string() }}) || ' percentage points'
        when {{ unit }} = 'score 1-5' then cast(round(abs({{ value }}), 2) as {{ dbt.type_string() }}) || ' points on the 1-5 scale'
        else cast(round(abs({{ value }}), 1) as {{ dbt.type_string() }}) || ' ' || {{ unit }}
    end
{%- endmacro %}

{#- A signed amount for an interval's ends ("-3.1 to -0.4 hours"). -#}
{% macro signed_text(value, unit) -%}
    case
        when {{ unit }} = 'share' then cast(round(100 * {{ value }}, 1) as {{ dbt.type_string() }})
        when {{ unit }} = 'score 1-5' then cast(round({{ value }}, 2) as {{ dbt.type_string() }})
        else cast(round({{ value }}, 1) as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- An interval in words, in the KPI's unit. -#}
{% macro interval_text(low, high, unit) -%}
    {{ signed_text(low, unit) }} || ' to ' || {{ signed_text(high, unit) }} || ' '
    || case when {{ unit }} = 'share' then 'percentage points' when {{ unit }} = 'score 1-5' then 'points' else {{ unit }} end
{%- endmacro %}

{#- The standard normal's 0.80 quantile: a test at the 95 % level detects an effect of
    (t critical + this) standard errors 80 % of the time. -#}
{% macro z_power_80() -%}0.841621{%- endmacro %}
