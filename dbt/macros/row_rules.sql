{#- The row-level plausibility rules, each declared here once. A flagged row is kept, and
    left out only of what its flaw corrupts. Everything else is generated from this list:
    the staging flag columns (row_rule_flags), int_quality__row_flags' counts, the KPI
    exclusions of int_kpis__events (kept_by_row_rules) and the GX expectations of the
    staging suites (dagster_project/quality/suites.py reads this file).

    Per rule:
      flag       the staging model's boolean column (a null condition flags nothing)
      model      the staging model that carries it
      condition  SQL over that model's input columns, portable (DuckDB and Spark)
      rule       the rule in words, as the summary, the report and GX name it
      kpis       the KPIs whose events leave a flagged row out (kpi_catalogue names)
      also       what else leaves it out, in words (applied outside int_kpis__events)

    Order matters: it is the staging models' column order and int_quality__row_flags'. -#}
{% macro row_rules() -%}
{%- set declared -%}
# ServiceNow holds such rows: a ticket fixed on the spot, or a first response logged late.
- flag: has_response_before_open
  model: stg_servicedesk__incidents
  condition: first_response_at < opened_at
  rule: first response before the ticket was opened
  kpis: [first_response_minutes]
- flag: has_resolution_before_response
  model: stg_servicedesk__incidents
  condition: resolved_at < first_response_at
  rule: resolved before the first response
  # Resolution time stays measurable: the ticket was opened, then resolved.
  kpis: [first_response_minutes]
- flag: has_resolution_before_open
  model: stg_servicedesk__incidents
  condition: resolved_at < opened_at
  rule: resolved before the ticket was opened
  kpis: [ticket_resolution_hours, first_response_minutes]
- flag: has_close_before_creation
  model: stg_crm__opportunities
  condition: IsClosed and CloseDate < cast(CreatedDate as date)
  rule: closed before it was created
  kpis: [sales_cycle_days]
- flag: has_fte_out_of_range
  model: stg_hris__workers
  condition: not (FTE > 0 and FTE <= 1)
  rule: FTE outside (0, 1]
  kpis: []
  # int_people__person_versions leaves the FTE out, so the pay per hour is unknown.
  also: participant-time cost (pay)
{%- endset -%}
{{ return(fromyaml(declared)) }}
{%- endmacro %}

{#- What a rule's flagged rows are left out of, in words (int_quality__row_flags). -#}
{% macro row_rule_left_out_of(rule) -%}
{{ return((rule['kpis'] + ([rule['also']] if rule.get('also') else [])) | join(', ')) }}
{%- endmacro %}

{#- The flag columns of one staging model, comma-separated, in the declared order. -#}
{% macro row_rule_flags(model) -%}
    {%- for rule in row_rules() if rule['model'] == model -%}
    coalesce({{ rule['condition'] }}, false) as {{ rule['flag'] }}{{ ',\n    ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- A filter keeping the events a KPI counts: none of the flags declared to corrupt it. -#}
{% macro kept_by_row_rules(kpi) -%}
    {%- set flags = [] -%}
    {%- for rule in row_rules() if kpi in rule['kpis'] -%}
        {%- do flags.append('not ' ~ rule['flag']) -%}
    {%- endfor -%}
    {{ flags | join(' and ') if flags else 'true' }}
{%- endmacro %}
