{#-
  Same name and arguments as dbt_expectations.expect_column_values_to_be_between (min_value,
  max_value, row_condition, strictly). Delegates to the package where it is installed.
-#}
{% test expect_column_values_to_be_between(model, column_name, min_value=none, max_value=none, row_condition=none, strictly=false) %}
  {%- if dbt_expectations is defined -%}
    {{ return(dbt_expectations.test_expect_column_values_to_be_between(model, column_name, min_value, max_value, row_condition, strictly)) }}
  {%- endif -%}
  {%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("expect_column_values_to_be_between on " ~ column_name ~ ": give min_value, max_value or both") }}
  {%- endif -%}
  {%- set lower = '>' if strictly else '>=' -%}
  {%- set upper = '<' if strictly else '<=' %}
  select *
  from {{ model }}
  where {{ column_name }} is not null
    {%- if row_condition %} and ({{ row_condition }}){% endif %}
    and not (
      1 = 1
      {%- if min_value is not none %} and {{ column_name }} {{ lower }} {{ min_value }}{% endif %}
      {%- if max_value is not none %} and {{ column_name }} {{ upper }} {{ max_value }}{% endif %}
    )
{% endtest %}
