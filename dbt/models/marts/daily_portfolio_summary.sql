-- Daily value and P&L per portfolio, for every trading date from the portfolio's first holding on
-- (dates with no active holding included, valued 0). Columns are fixed by the gold contract in
-- libs/schemas (see daily_portfolio_summary.yml, generated from it).
{#- `location` is dbt-duckdb's key, `external_location` dbt-athena's: each adapter reads its own. -#}
{{ config(
    location=gold_candidate_location("daily_portfolio_summary"),
    external_location=gold_candidate_location("daily_portfolio_summary"),
    partitioned_by=gold_partitioned_by(),
) }}

with

trading_dates as (

    select * from {{ ref('int_trading_dates') }}

),

holdings as (

    select * from {{ ref('stg_seed__portfolio_holdings') }}

),

positions as (

    select * from {{ ref('int_portfolio_positions_valued') }}

),

portfolios as (

    select portfolio_id, min(valid_from) as first_holding_date
    from holdings
    group by portfolio_id

),

portfolio_dates as (

    select
        portfolios.portfolio_id,
        trading_dates.trading_date as summary_date,
        trading_dates.previous_trading_date

    from portfolios
    inner join trading_dates
        on trading_dates.trading_date >= portfolios.first_holding_date
    -- Incremental: only this run's batch of dates (see macros/gold_batch.sql); all of them on a full build.
    where {{ in_gold_batch('trading_dates.trading_date') }}

),

summed as (

    select
        portfolio_dates.portfolio_id,
        portfolio_dates.summary_date,
        count(positions.symbol) as positions_count,
        count(case when positions.is_stale then 1 end) as stale_positions_count,
        coalesce(sum(positions.market_value), 0) as market_value,
        case
            when portfolio_dates.previous_trading_date is not null
                then coalesce(sum(positions.prior_market_value), 0)
        end as prior_market_value

    from portfolio_dates
    left join positions
        on positions.portfolio_id = portfolio_dates.portfolio_id
        and positions.summary_date = portfolio_dates.summary_date

    group by portfolio_dates.portfolio_id, portfolio_dates.summary_date, portfolio_dates.previous_trading_date

),

final as (

    select
        portfolio_id,
        summary_date,
        cast(positions_count as integer) as positions_count,
        cast(stale_positions_count as integer) as stale_positions_count,
        -- Sums of exact decimals, rounded to cents (half away from zero) once, stored as the contract's
        -- DECIMAL(18,2). Differences are taken from the unrounded sums; the return is a double division
        -- of those exact values (a ratio, not an amount).
        {{ money('round(market_value, 2)', 2) }} as market_value,
        {{ money('round(prior_market_value, 2)', 2) }} as prior_market_value,
        {{ money('round(market_value - prior_market_value, 2)', 2) }} as daily_pnl,
        case
            when prior_market_value is null or prior_market_value = 0 then null
            else round(
                cast(market_value - prior_market_value as double) / cast(prior_market_value as double), 10
            )
        end as daily_return

    from summed

)

-- In key order: the same lake gives the same file byte for byte (reproducible, hashable gold), and a
-- portfolio's rows sit together, so the serving query's filter skips the row groups that hold none.
select * {{ gold_partition_column('summary_date') }} from final
order by portfolio_id, summary_date
