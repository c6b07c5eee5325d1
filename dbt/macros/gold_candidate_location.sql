{#- Where a gold mart's candidate lands on Athena: this run's own location under the gold bucket
    (FINLAKE_GOLD_CANDIDATE_URI, set per run by finlake_flows.dbt_task from the platform contract), so the
    served table keeps pointing at the last audited version until publish switches it. Locally the mart's
    Parquet file in the run's candidate folder, FINLAKE_GOLD_CANDIDATE_DIR (an env var read here, not in the
    profile, so a new folder each run reparses this model only). -#}
{% macro gold_candidate_location(mart) -%}
  {%- if target.type == 'duckdb' -%}
    {#- Always set: by the flows' runner, by the twin, and by scripts/dbt.sh for a hand-run build. -#}
    {{ return(env_var('FINLAKE_GOLD_CANDIDATE_DIR') ~ '/' ~ mart ~ '.parquet') }}
  {%- else -%}
    {{ return(env_var('FINLAKE_GOLD_CANDIDATE_URI', 's3://unset-gold-candidate-uri/') ~ mart ~ '/') }}
  {%- endif -%}
{%- endmacro %}
