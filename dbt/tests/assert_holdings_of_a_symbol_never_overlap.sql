-- A portfolio holds a symbol through one holding at a time: a position change is a row ending
-- (valid_to, exclusive) on the day the next starts. Overlapping windows would be valued twice.
with

holdings as (

    select * from {{ ref('stg_seed__portfolio_holdings') }}

)

select earlier.portfolio_id, earlier.symbol, earlier.valid_from, later.valid_from as overlapping_from
from holdings as earlier
inner join holdings as later
    on later.portfolio_id = earlier.portfolio_id
    and later.symbol = earlier.symbol
    and later.valid_from > earlier.valid_from
    and (earlier.valid_to is null or later.valid_from < earlier.valid_to)
