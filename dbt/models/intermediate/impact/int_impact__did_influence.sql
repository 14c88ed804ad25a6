{#- Each person's influence on the pooled estimate (int_impact__did) and on its two
    spillover slopes, scaled so that sums of squares and products over people are
    variances and covariances: what int_impact__effects adds to the event-time
    average's variance for the slopes' own uncertainty (the event study's bins take
    the slopes as known). -#}
{{ did_estimate(ref('int_impact__matched_units'), 'pre_value', 'post_value', influence=true) }}
