{#-
  For each row of `positions` (portfolio_id, symbol, valid_from, summary_date, and `on_date`), the
  symbol's latest close within the `carry_days` calendar days up to `on_date`, and that close's date.
  Null when there is none in that span. Expects a `prices` CTE (symbol, trade_date, close_price).
-#}
{% macro closes_carried_forward(positions, on_date, carry_days) %}
    select
        {{ positions }}.portfolio_id,
        {{ positions }}.symbol,
        {{ positions }}.valid_from,
        {{ positions }}.summary_date,
        max(prices.trade_date) as price_date,
        max_by(prices.close_price, prices.trade_date) as close_price

    from {{ positions }}
    left join prices
        on prices.symbol = {{ positions }}.symbol
        and prices.trade_date <= {{ positions }}.{{ on_date }}
        and prices.trade_date >= {{ dbt.dateadd('day', -carry_days, positions ~ '.' ~ on_date) }}

    group by 1, 2, 3, 4
{% endmacro %}
