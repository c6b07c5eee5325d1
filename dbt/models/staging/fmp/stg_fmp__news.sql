-- Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.
-- One row per article from silver fmp_news, named for modelling; nothing computed.
with

source as (

    select * from {{ source('silver', 'fmp_news') }}

),

renamed as (

    select
        article_id,
        symbol,
        published_at,
        title as headline,
        publisher,
        site,
        url,
        sentiment,
        ingested_at,
        source_object,
        session_date

    from source

)

select * from renamed
