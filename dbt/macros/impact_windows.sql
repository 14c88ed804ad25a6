{#- The calendar windows of the impact method, in whole weeks (one definition for the
    matched panel, the event study and the overlap rule). -#}

{#- Weeks in a pre or post window: window_days rounded up to whole weeks. -#}
{% macro window_weeks() -%}
    {{ return(((var('window_days') | int) + 6) // 7) }}
{%- endmacro %}

{#- Weeks between the end of the pre window and the registration week: a dip before
    nomination falls in this gap instead of the baseline. -#}
{% macro anticipation_weeks() -%}
    {{ return(var('anticipation_weeks') | int) }}
{%- endmacro %}

{#- The event study runs from this many weeks before registration to as many after
    completion: var('event_study_weeks'), at least back to the start of the pre window,
    even (2-week bins). A longer span gives the pre-trend tests more leverage (a slope's
    standard error falls with the span to the power 1.5) and the ROI a longer measured
    path; a cohort contributes only the bins its data cover. -#}
{% macro event_weeks() -%}
    {%- set weeks = [var('event_study_weeks') | int, window_weeks() + anticipation_weeks()] | max -%}
    {{ return(weeks + (weeks % 2)) }}
{%- endmacro %}

{#- Window bounds of a cohort, as a select list: [start, end) dates, all Mondays.
    pre: ends anticipation_weeks before the registration week; post: starts the week
    after the completion week; event: the event study's span. -#}
{% macro impact_window_columns(registration_week, completion_week) -%}
    {%- set n = window_weeks() -%}
    {%- set gap = anticipation_weeks() -%}
    cast({{ dbt.dateadd('week', -(n + gap), registration_week) }} as date) as pre_start,
    cast({{ dbt.dateadd('week', -gap, registration_week) }} as date) as pre_end,
    cast({{ dbt.dateadd('week', 1, completion_week) }} as date) as post_start,
    cast({{ dbt.dateadd('week', 1 + n, completion_week) }} as date) as post_end,
    cast({{ dbt.dateadd('week', -event_weeks(), registration_week) }} as date) as event_start,
    cast({{ dbt.dateadd('week', 1 + event_weeks(), completion_week) }} as date) as event_end
{%- endmacro %}

{#- A person's tenure band on a date, from var('tenure_band_years'): '<1y', '<3y', ...,
    then '<last>y+' (one definition for the treated people's cells and their candidates). -#}
{% macro tenure_band_case(hire_date, as_of) -%}
    {%- set years = var('tenure_band_years') -%}
    case
        {%- for y in years %}
        when {{ dbt.datediff(hire_date, as_of, 'day') }} < {{ y }} * 365 then '<{{ y }}y'
        {%- endfor %}
        else '{{ years[-1] }}y+'
    end
{%- endmacro %}

{#- The share of the window [window_start, window_end) after exposed_from (0 when never
    exposed or exposed after the window, 1 when exposed before it). -#}
{% macro exposed_share(exposed_from, window_start, window_end) -%}
    case
        when {{ exposed_from }} is null or {{ exposed_from }} >= {{ window_end }} then {{ double_literal('0.0') }}
        when {{ exposed_from }} <= {{ window_start }} then {{ double_literal('1.0') }}
        else {{ dbt.datediff(exposed_from, window_end, 'day') }}
            / cast({{ dbt.datediff(window_start, window_end, 'day') }} as {{ type_double() }})
    end
{%- endmacro %}
