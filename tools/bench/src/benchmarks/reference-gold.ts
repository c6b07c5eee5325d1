import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The bench's baseline for gold: the same daily portfolio summary written as one plain DuckDB query, by
 * hand and independently of the dbt models (as-of joins for the carried-forward closes, then equality
 * joins and one aggregation), with the same money rule: exact decimals (quantity 4 places, prices 6), rounded
 * to cents once. `bench scale` times it in the same run as dbt and checks the rows are equal.
 */
export function referenceGoldSql(
  silverGlob: string,
  holdingsCsv: string,
  money: 'decimal' | 'double' = 'decimal',
  carryDays = 5,
): string {
  // `double` is the same query in binary floating point: what exact money costs, measured in one run.
  const [qty, price, amount] =
    money === 'decimal'
      ? ['decimal(18, 4)', 'decimal(18, 6)', 'decimal(18, 2)']
      : ['double', 'double', 'double'];
  return `
with prices as (
  select symbol, trade_date, close from read_parquet('${silverGlob}', hive_partitioning = true)
),
dates as (
  select d, lag(d) over (order by d) as pd from (select distinct trade_date as d from prices)
),
holdings as (
  select * from read_csv('${holdingsCsv}', header = true, columns = {
    'portfolio_id': 'varchar', 'symbol': 'varchar', 'quantity': 'double', 'valid_from': 'date', 'valid_to': 'date'})
),
positions as (
  select h.portfolio_id, h.symbol, h.quantity, dates.d, dates.pd
  from holdings h join dates on h.valid_from <= dates.d and (h.valid_to is null or dates.d < h.valid_to)
),
today as (
  select positions.*, p.trade_date as price_date, p.close as close
  from positions asof left join prices p on p.symbol = positions.symbol and positions.d >= p.trade_date
),
valued as (
  select today.*, q.trade_date as prev_price_date, q.close as prev_close
  from today asof left join prices q on q.symbol = today.symbol and today.pd >= q.trade_date
),
sums as (
  select portfolio_id, d,
    count(*) as n,
    count(*) filter (where price_date is null or price_date < d - ${carryDays} or price_date < d) as stale,
    sum(quantity::${qty} * (case when price_date >= d - ${carryDays} then close else 0 end)::${price}) as mv,
    sum(quantity::${qty} * (case when prev_price_date >= pd - ${carryDays} then prev_close else 0 end)::${price}) as pmv
  from valued group by 1, 2
),
portfolio_dates as (
  select f.portfolio_id, dates.d, dates.pd
  from (select portfolio_id, min(valid_from) as first from holdings group by 1) f
  join dates on dates.d >= f.first
)
select pdt.portfolio_id, pdt.d as summary_date,
  coalesce(n, 0)::integer as positions_count,
  coalesce(stale, 0)::integer as stale_positions_count,
  round(coalesce(mv, 0), 2)::${amount} as market_value,
  case when pdt.pd is not null then round(coalesce(pmv, 0), 2) end::${amount} as prior_market_value,
  case when pdt.pd is not null then round(coalesce(mv, 0) - coalesce(pmv, 0), 2) end::${amount} as daily_pnl,
  case when pdt.pd is null or coalesce(pmv, 0) = 0 then null
       else round((coalesce(mv, 0) - coalesce(pmv, 0))::double / pmv::double, 10) end::double as daily_return
from portfolio_dates pdt left join sums on sums.portfolio_id = pdt.portfolio_id and sums.d = pdt.d`;
}

/** Runs the reference query; returns its time and how many rows differ from the published gold (both ways). */
export async function compareWithReference(
  silverGlob: string,
  holdingsCsv: string,
  goldFile: string,
): Promise<{
  seconds: number;
  doubleSeconds: number;
  rows: number;
  onlyInReference: number;
  onlyInGold: number;
}> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  try {
    const timed = async (sql: string) => {
      const started = process.hrtime.bigint();
      await db.run(sql);
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    // Doubles first, so the decimal run (the one compared) does not profit from a warmer file cache.
    const doubleSeconds = await timed(
      `create table reference_double as ${referenceGoldSql(silverGlob, holdingsCsv, 'double')}`,
    );
    await db.run('drop table reference_double');
    const seconds = await timed(`create table reference as ${referenceGoldSql(silverGlob, holdingsCsv)}`);
    const count = async (sql: string) => Number((await db.runAndReadAll(sql)).getRows()[0]![0]);
    const gold = `read_parquet('${goldFile}')`;
    return {
      seconds,
      doubleSeconds,
      rows: await count('select count(*) from reference'),
      onlyInReference: await count(
        `select count(*) from (select * from reference except all select * from ${gold})`,
      ),
      onlyInGold: await count(
        `select count(*) from (select * from ${gold} except all select * from reference)`,
      ),
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
