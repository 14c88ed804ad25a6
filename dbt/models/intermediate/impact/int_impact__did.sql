{#- The pooled difference-in-differences per program x KPI over the matched units, each
    over its whole post window (did_estimate, adjusted for teammates' spillover): the
    counts and degrees of freedom behind the published estimate, the spillover slopes
    the event study's bins use, and what each learner's own difference averages to.
    The published effect averages the bins over event time (int_impact__effects). -#}
{{ did_estimate(ref('int_impact__matched_units'), 'pre_value', 'post_value') }}
