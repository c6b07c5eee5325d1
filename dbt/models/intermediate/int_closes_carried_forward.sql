-- One row per symbol and trading date from the symbol's first price on: the close that values a
-- position on that date and on the trading date before it. A date without a close of its own takes
-- the latest close from at most `carry_forward_days` calendar days before; with none in that span the
-- close is null. Computed once per symbol and date (a running max over the calendar, then equality
-- joins), so valuing millions of position-days is an equality join, not a range join per position.
{%- set carry = var('carry_forward_days') %}
with

trading_dates as (

    select * from {{ ref('int_trading_dates') }}

),

prices as (

    select symbol, trade_date, close_price from {{ ref('stg_fmp__eod_prices') }}

),

symbols as (

    select symbol, min(trade_date) as first_trade_date
    from prices
    group by symbol

),

calendar as (

    select
        symbols.symbol,
        trading_dates.trading_date,
        trading_dates.previous_trading_date

    from symbols
    inner join trading_dates
        on trading_dates.trading_date >= symbols.first_trade_date
    -- A batch needs the calendar from a little before its first date: enough for the carry span and the
    -- previous trading date (a month covers any market closure).
    where {{ in_gold_batch(dbt.dateadd('day', carry + 31, 'trading_dates.trading_date')) }}

),

latest_price_dates as (

    -- Trade dates only grow, so the running max is the latest date with a close up to this one.
    select
        calendar.symbol,
        calendar.trading_date,
        calendar.previous_trading_date,
        max(prices.trade_date) over (
            partition by calendar.symbol
            order by calendar.trading_date
            rows between unbounded preceding and current row
        ) as latest_price_date

    from calendar
    left join prices
        on prices.symbol = calendar.symbol
        and prices.trade_date = calendar.trading_date

),

carried as (

    select
        symbol,
        trading_date,
        previous_trading_date,
        case
            when latest_price_date >= {{ dbt.dateadd('day', -carry, 'trading_date') }}
                then latest_price_date
        end as price_date

    from latest_price_dates

),

closes as (

    select
        carried.symbol,
        carried.trading_date,
        carried.previous_trading_date,
        carried.price_date,
        prices.close_price

    from carried
    left join prices
        on prices.symbol = carried.symbol
        and prices.trade_date = carried.price_date

),

final as (

    select
        symbol,
        trading_date,
        previous_trading_date,
        price_date,
        close_price,
        -- The calendar holds every trading date from the symbol's first, so the row before is the
        -- previous trading date's (null before the first price: nothing to carry).
        lag(close_price) over (partition by symbol order by trading_date) as previous_close_price

    from closes

)

-- Windows first, then the batch: a batch's first date still sees the closes before it.
select * from final
where {{ in_gold_batch('trading_date') }}
