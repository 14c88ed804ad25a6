{#- The main difference-in-differences per program x KPI over the matched units
    (did_estimate, adjusted for teammates' spillover), before publishing: what
    int_impact__estimates reports, and whose spillover slope the event study's bins use. -#}
{{ did_estimate(ref('int_impact__matched_units'), 'pre_value', 'post_value') }}
