{#- The served gold table's partition on Athena (the contract's partitionBy: summary_month = YYYY-MM),
    appended as the last column, as an Athena CTAS needs it, so each month is its own folder and publish
    replaces only the months a batch rebuilt. Locally gold is one file: no partition column. -#}
{% macro gold_partitioned_by() -%}
  {{ return(['summary_month'] if target.type == 'athena' else none) }}
{%- endmacro %}

{% macro gold_partition_column(date_column) -%}
  {%- if target.type == 'athena' -%}
    , date_format({{ date_column }}, '%Y-%m') as summary_month
  {%- endif -%}
{%- endmacro %}
