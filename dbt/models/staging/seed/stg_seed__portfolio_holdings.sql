-- Portfolio holdings with their validity window; valid_to is exclusive and null while held.
with

source as (

    select * from {{ ref('portfolio_holdings') }}

),

renamed as (

    select
        cast(portfolio_id as varchar) as portfolio_id,
        cast(symbol as varchar) as symbol,
        cast(quantity as double) as quantity,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to

    from source

)

select * from renamed
