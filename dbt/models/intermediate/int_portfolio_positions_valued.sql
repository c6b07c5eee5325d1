-- One row per holding active on each trading date, valued at that date's close and at the previous
-- trading date's close, both from int_closes_carried_forward (carried at most `carry_forward_days`);
-- a position without a close is valued 0 and counted stale. Both valuations use the same holdings, so
-- their difference measures price moves only. Values are exact decimals (see the money macro).
with

trading_dates as (

    select * from {{ ref('int_trading_dates') }}

),

holdings as (

    select * from {{ ref('stg_seed__portfolio_holdings') }}

),

closes as (

    select * from {{ ref('int_closes_carried_forward') }}

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
    where {{ in_gold_batch('trading_dates.trading_date') }}

),

valued as (

    select
        active_holdings.portfolio_id,
        active_holdings.symbol,
        active_holdings.valid_from,
        active_holdings.summary_date,
        active_holdings.previous_trading_date,
        active_holdings.quantity,
        closes.close_price,
        closes.price_date,
        closes.previous_close_price,
        (closes.price_date is null or closes.price_date < active_holdings.summary_date) as is_stale,
        -- Exact decimals (quantity to 4 places, prices to 6, as FMP quotes them): a sum over thousands of
        -- positions is then the same in any order and on any engine, and rounds to the same cent.
        {{ money('active_holdings.quantity', 4) }} * {{ money('coalesce(closes.close_price, 0)', 6) }} as market_value,
        case
            when active_holdings.previous_trading_date is not null
                then {{ money('active_holdings.quantity', 4) }} * {{ money('coalesce(closes.previous_close_price, 0)', 6) }}
        end as prior_market_value

    from active_holdings
    left join closes
        on closes.symbol = active_holdings.symbol
        and closes.trading_date = active_holdings.summary_date

)

select * from valued
