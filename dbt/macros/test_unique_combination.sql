{#- No two rows share these columns' values.
    changed_rows_column: an incremental model's batch column (_built_at): only the keys of
    its newest batch are counted, over the whole table. A delete+insert batch replaces
    every row of its keys, so a duplicate can only hold one of them: the invariant is the
    whole table's, its cost the night's (a full build is one batch: every key). -#}
{% test unique_combination(model, columns, changed_rows_column=none) %}
{%- if changed_rows_column is none %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- else %}
with batch as (
    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where {{ changed_rows_column }} = (select max({{ changed_rows_column }}) from {{ model }})
)

select {% for col in columns %}rows_.{{ col }}, {% endfor %}count(*) as occurrences
from {{ model }} as rows_
inner join batch
    on {% for col in columns %}rows_.{{ col }} = batch.{{ col }}{% if not loop.last %} and {% endif %}{% endfor %}
group by {% for col in columns %}rows_.{{ col }}{% if not loop.last %}, {% endif %}{% endfor %}
having count(*) > 1
{%- endif %}
{% endtest %}
