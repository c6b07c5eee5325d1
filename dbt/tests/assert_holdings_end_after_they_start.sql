-- A holding's window is [valid_from, valid_to): one that ends on or before its start holds nothing and is
-- a data entry error (a quantity that would silently never be valued), not a zero position.
select portfolio_id, symbol, valid_from, valid_to
from {{ ref('stg_seed__portfolio_holdings') }}
where valid_to is not null and valid_to <= valid_from
