-- Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.
-- One row per article from silver fmp_news, named for modelling; nothing computed.
with

source as (

{%- if silver_has_files('fmp_news', 1) %}
    select * from {{ source('silver', 'fmp_news') }}
{%- else %}
    -- Nothing landed yet: the contract's columns, typed, and no rows.
    select
        cast(null as varchar) as article_id,
        cast(null as varchar) as symbol,
        cast(null as timestamptz) as published_at,
        cast(null as varchar) as title,
        cast(null as varchar) as publisher,
        cast(null as varchar) as site,
        cast(null as varchar) as url,
        cast(null as double) as sentiment,
        cast(null as timestamptz) as ingested_at,
        cast(null as varchar) as source_object,
        cast(null as date) as session_date
    where false
{%- endif %}

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
