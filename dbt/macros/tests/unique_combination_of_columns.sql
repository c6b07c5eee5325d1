{#-
  Same name and arguments as dbt_utils.unique_combination_of_columns. The dbt hub is unreachable
  offline, so the project carries its own; where dbt_utils is installed (connected CI, see
  connected/packages.yml) the package's implementation is used instead, with no model change.
-#}
{% test unique_combination_of_columns(model, combination_of_columns, quote_columns=false) %}
  {%- if dbt_utils is defined -%}
    {{ return(dbt_utils.test_unique_combination_of_columns(model, combination_of_columns, quote_columns)) }}
  {%- endif -%}
  {%- set columns = combination_of_columns if not quote_columns else combination_of_columns | map('tojson') | list -%}
  {%- set column_list = columns | join(', ') %}
  with validation_errors as (
      select {{ column_list }}
      from {{ model }}
      group by {{ column_list }}
      having count(*) > 1
  )
  select * from validation_errors
{% endtest %}
