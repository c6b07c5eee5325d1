{#- Where a gold mart's candidate lands on Athena: this run's own location under the gold bucket
    (FINLAKE_GOLD_CANDIDATE_URI, set per run by finlake_flows.dbt_task from the platform contract), so the
    served table keeps pointing at the last audited version until publish switches it. None locally
    (dbt-duckdb writes the candidate folder FINLAKE_GOLD_CANDIDATE_DIR). -#}
{% macro gold_candidate_location(mart) -%}
  {%- if target.type == 'duckdb' -%}
    {{ return(none) }}
  {%- else -%}
    {{ return(env_var('FINLAKE_GOLD_CANDIDATE_URI', 's3://unset-gold-candidate-uri/') ~ mart ~ '/') }}
  {%- endif -%}
{%- endmacro %}
