-- End-of-day prices from silver, renamed for modelling, with each symbol's previous trading day.
with

source as (

    select * from {{ source('silver', 'fmp_eod_prices') }}

),

renamed as (

    select
        symbol,
        trade_date,
        open as open_price,
        high as high_price,
        low as low_price,
        close as close_price,
        volume,
        vwap,
        change as price_change,
        change_percent,
        lag(close) over (partition by symbol order by trade_date) as previous_close_price,
        lag(trade_date) over (partition by symbol order by trade_date) as previous_trade_date,
        source_object,
        ingested_at

    from source

)

select * from renamed
