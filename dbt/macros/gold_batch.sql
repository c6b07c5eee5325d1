{#- Incremental gold: the first date of this run's batch, from FINLAKE_GOLD_FROM (YYYY-MM-DD), which the
    flow sets to the first day of the earliest silver month this run rewrote, so every date a changed close
    can move (the carry-forward and the previous-close both look back, never ahead) is rebuilt. Empty: a full
    build (the first run, a backfill of history, changed holdings or models). The batch is the candidate
    the gate audits; publish puts it in place of those dates. An env var, not a --var, so dbt's partial
    parsing survives from one night to the next. -#}
{% macro gold_from() -%}
  {%- set value = env_var('FINLAKE_GOLD_FROM', '') -%}
  {%- if value and not modules.re.match('^\d{4}-\d{2}-\d{2}$', value) -%}
    {{ exceptions.raise_compiler_error("FINLAKE_GOLD_FROM must be a date YYYY-MM-DD or empty, got " ~ value) }}
  {%- endif -%}
  {{ return(value or none) }}
{%- endmacro %}

{#- `column >= the batch's first date`, or true on a full build. -#}
{% macro in_gold_batch(column) -%}
  {%- set start = gold_from() -%}
  {%- if start -%} {{ column }} >= cast('{{ start }}' as date) {%- else -%} true {%- endif -%}
{%- endmacro %}
