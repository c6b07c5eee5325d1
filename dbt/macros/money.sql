{#- A money or quantity expression as an exact decimal with `scale` places (18 digits): prices to 6 places
    and quantities to 4, so products and sums are exact and the same on DuckDB and Athena whatever the order. -#}
{% macro money(expression, scale) -%}
  cast({{ expression }} as decimal(18, {{ scale }}))
{%- endmacro %}
