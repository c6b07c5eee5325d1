{#-
  Same name and arguments as dbt_expectations.expect_row_values_to_have_recent_data (datepart, interval,
  row_condition): fails when the newest value of the column is older than `interval` `datepart`s before
  the reference date. The reference is FINLAKE_AS_OF (the local runner sets it to the window the run asked
  for, so a backfill of 2020 is judged against 2020) or, when unset, today, as the package does.
  Delegates to the package where it is installed.
-#}
{% test expect_row_values_to_have_recent_data(model, column_name, datepart, interval, row_condition=none) %}
  {%- if dbt_expectations is defined -%}
    {{ return(dbt_expectations.test_expect_row_values_to_have_recent_data(model, column_name, datepart, interval, row_condition)) }}
  {%- endif -%}
  {%- if datepart not in ('day', 'hour') -%}
    {{ exceptions.raise_compiler_error("expect_row_values_to_have_recent_data on " ~ column_name ~ ": datepart day or hour, got " ~ datepart) }}
  {%- endif -%}
  {%- set as_of = env_var('FINLAKE_AS_OF', '') -%}
  {%- if as_of and not modules.re.match('^\d{4}-\d{2}-\d{2}$', as_of) -%}
    {{ exceptions.raise_compiler_error("FINLAKE_AS_OF must be a date YYYY-MM-DD or empty, got " ~ as_of) }}
  {%- endif -%}
  {%- set reference = "cast('" ~ as_of ~ "' as timestamp) + interval '1' day" if as_of else 'current_timestamp' %}
  with newest as (
      select max(cast({{ column_name }} as timestamp)) as newest
      from {{ model }}
      {%- if row_condition %} where {{ row_condition }}{% endif %}
  )
  select newest
  from newest
  where newest is null
     or newest < {{ reference }} - interval '{{ interval }}' {{ datepart }}
{% endtest %}
