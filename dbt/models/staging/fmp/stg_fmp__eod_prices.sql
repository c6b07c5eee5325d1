-- Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.
-- One row per (symbol, trade_date) from silver fmp_eod_prices, with prices named for modelling; nothing computed.
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
        source_object,
        ingested_at

    from source

)

select * from renamed
