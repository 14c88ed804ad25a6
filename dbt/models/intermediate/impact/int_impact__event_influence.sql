{#- Each person's influence on each event-study bin's estimate (did_estimate's
    person-clustered influence, scaled so that the sum of squares over people is the
    bin's variance): what the pre-trend tests need to combine bins with their
    covariance (int_impact__pretrend_tests); with each bin's totals, from which
    int_impact__event_study takes the estimates (one pass over the event panel). -#}
{{ did_estimate(ref('int_impact__event_panel'), 'pre_value', 'bin_value', by=['relative_bin'], influence=true,
                spillover_from=ref('int_impact__did'), totals=true) }}
