-- Per symbol and trading session: how many articles count for it, their mean sentiment and the first
-- headline. The session is silver's (after the 16:00 New York close or on a closed day: the next one).
with

news as (

    select * from {{ ref('stg_fmp__news') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by symbol, session_date order by published_at, article_id
        ) as position_in_session
    from news

)

select
    symbol,
    session_date,
    -- Silver holds an article once; distinct keeps the count honest should a source ever repeat one.
    count(distinct article_id) as news_count,
    avg(sentiment) as avg_sentiment,
    max(case when position_in_session = 1 then headline end) as first_headline

from ranked
group by symbol, session_date
