{#- Whether a local silver table has any Parquet file yet. A streamed table (news) exists only after its
    first batch, and dbt-duckdb cannot read an empty glob; on Athena the catalog table always exists. -#}
{% macro silver_has_files(table, depth) -%}
  {%- if not execute or target.type != 'duckdb' -%}{{ return(true) }}{%- endif -%}
  {%- set pattern = env_var('FINLAKE_LAKE_ROOT', '.lake') ~ '/silver/' ~ table ~ '/' ~ ('*/' * depth) ~ '*.parquet' -%}
  {%- set result = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')") -%}
  {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}
