-- Trading dates: every date on which any symbol has a price, with the trading date before it.
with

prices as (

    select distinct trade_date from {{ ref('stg_fmp__eod_prices') }}

),

dated as (

    select
        trade_date as trading_date,
        lag(trade_date) over (order by trade_date) as previous_trading_date

    from prices

)

select * from dated
