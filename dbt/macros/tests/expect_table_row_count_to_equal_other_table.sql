{#-
  Same name and arguments as dbt_expectations.expect_table_row_count_to_equal_other_table (compare_model,
  row_condition, compare_row_condition, factor): fails when the model's row count differs from `factor`
  times the other's. Delegates to the package where it is installed.
-#}
{% test expect_table_row_count_to_equal_other_table(model, compare_model, row_condition=none, compare_row_condition=none, factor=1) %}
  {%- if dbt_expectations is defined -%}
    {{ return(dbt_expectations.test_expect_table_row_count_to_equal_other_table(model, compare_model, none, none, factor, row_condition, compare_row_condition)) }}
  {%- endif %}
  with a as (
      select count(*) as n from {{ model }}{% if row_condition %} where {{ row_condition }}{% endif %}
  ),
  b as (
      select count(*) * {{ factor }} as n from {{ compare_model }}{% if compare_row_condition %} where {{ compare_row_condition }}{% endif %}
  )
  select a.n as model_rows, b.n as expected_rows
  from a cross join b
  where a.n != b.n
{% endtest %}
