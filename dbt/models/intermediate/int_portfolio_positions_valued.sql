-- One row per holding active on each trading date, valued at that date's close and at the previous
-- trading date's close. A missing close is carried forward from at most `carry_forward_days`
-- calendar days before; with none in that span the position is valued 0 and counted stale.
-- Both valuations use the same holdings, so their difference measures price moves only.
{%- set carry = var('carry_forward_days') %}
with

trading_dates as (

    select * from {{ ref('int_trading_dates') }}

),

holdings as (

    select * from {{ ref('stg_portfolio_holdings') }}

),

prices as (

    select symbol, trade_date, close_price from {{ ref('stg_fmp_market_data') }}

),

active_holdings as (

    select
        holdings.portfolio_id,
        holdings.symbol,
        holdings.valid_from,
        holdings.quantity,
        trading_dates.trading_date as summary_date,
        trading_dates.previous_trading_date

    from holdings
    inner join trading_dates
        on holdings.valid_from <= trading_dates.trading_date
        and (holdings.valid_to is null or trading_dates.trading_date < holdings.valid_to)

),

closes_on_date as (

    {{ closes_carried_forward('active_holdings', 'summary_date', carry) }}

),

closes_on_previous_date as (

    {{ closes_carried_forward('active_holdings', 'previous_trading_date', carry) }}

),

valued as (

    select
        active_holdings.portfolio_id,
        active_holdings.symbol,
        active_holdings.valid_from,
        active_holdings.summary_date,
        active_holdings.previous_trading_date,
        active_holdings.quantity,
        closes_on_date.close_price,
        closes_on_date.price_date,
        closes_on_previous_date.close_price as previous_close_price,
        (closes_on_date.price_date is null or closes_on_date.price_date < active_holdings.summary_date) as is_stale,
        active_holdings.quantity * coalesce(closes_on_date.close_price, 0) as market_value,
        case
            when active_holdings.previous_trading_date is not null
                then active_holdings.quantity * coalesce(closes_on_previous_date.close_price, 0)
        end as prior_market_value

    from active_holdings
    left join closes_on_date
        on closes_on_date.portfolio_id = active_holdings.portfolio_id
        and closes_on_date.symbol = active_holdings.symbol
        and closes_on_date.valid_from = active_holdings.valid_from
        and closes_on_date.summary_date = active_holdings.summary_date
    left join closes_on_previous_date
        on closes_on_previous_date.portfolio_id = active_holdings.portfolio_id
        and closes_on_previous_date.symbol = active_holdings.symbol
        and closes_on_previous_date.valid_from = active_holdings.valid_from
        and closes_on_previous_date.summary_date = active_holdings.summary_date

)

select * from valued
