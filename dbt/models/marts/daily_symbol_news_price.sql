-- Each symbol's close and daily return beside the news that counts for that session (stream joined with
-- batch). Columns are fixed by the gold contract in libs/schemas (daily_symbol_news_price.yml).
{{ config(
    location=gold_candidate_location("daily_symbol_news_price"),
    external_location=gold_candidate_location("daily_symbol_news_price"),
) }}

with

prices as (

    select * from {{ ref('stg_fmp__eod_prices') }}

),

news as (

    select * from {{ ref('int_symbol_news_daily') }}

),

returns as (

    select
        symbol,
        trade_date,
        close_price,
        lag(close_price) over (partition by symbol order by trade_date) as previous_close
    from prices

)

select
    returns.symbol,
    returns.trade_date,
    {{ money('returns.close_price', 6) }} as close_price,
    cast(returns.close_price / returns.previous_close - 1 as double) as daily_return,
    cast(coalesce(news.news_count, 0) as integer) as news_count,
    cast(news.avg_sentiment as double) as avg_sentiment,
    news.first_headline,
    coalesce(news.news_count, 0) > 0 as has_news

from returns
left join news
    on news.symbol = returns.symbol
    and news.session_date = returns.trade_date
order by returns.symbol, returns.trade_date
