/**
 * Converts the real daily prices in ../shared/data/market into FMP's EOD wire shape: one JSON file
 * per symbol under data/eod/ (oldest first; the sandbox serves newest first). Derived fields follow
 * the recorded FMP answers: change = close - open, changePercent = change / open * 100 (percent),
 * vwap = (open + high + low + close) / 4. No symbol mixes split-adjusted and unadjusted series.
 * Run by hand; the output is committed:
 *   node --import tsx tools/fmp-sandbox/scripts/convert-sample.ts ../shared/data/market
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES: [file: string, symbol: string, tickerColumn?: string][] = [
  ['daily_2019_2020_apple.csv', 'AAPL'],
  ['daily_2019_2020_amazon.csv', 'AMZN'],
  ['daily_2019_2020_google.csv', 'GOOG'],
  ['daily_2019_2020_sp500.csv', '^GSPC'],
  ['daily_1999_2020_spy.csv', 'SPY'],
  ['daily_2018_faang.csv', 'FB', 'FB'],
  ['daily_2018_faang.csv', 'NFLX', 'NFLX'],
];

const round = (x: number, digits: number) => Number(x.toFixed(digits));

const market = process.argv[2];
if (!market) throw new Error('usage: convert-sample.ts <path to shared/data/market>');
const out = join(import.meta.dirname, '..', 'data', 'eod');
mkdirSync(out, { recursive: true });

for (const [file, symbol, ticker] of SOURCES) {
  const [header, ...lines] = readFileSync(join(market, file), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const at = (rec: string[], name: string) => rec[cols.indexOf(name)]!;
  const rows = lines
    .map((l) => l.split(','))
    .filter((rec) => !ticker || at(rec, 'ticker') === ticker)
    .map((rec) => {
      const [o, h, l, c] = ['open', 'high', 'low', 'close'].map((k) => Number(at(rec, k))) as [
        number,
        number,
        number,
        number,
      ];
      const change = c - o;
      return {
        symbol,
        date: at(rec, 'date'),
        open: round(o, 4),
        high: round(h, 4),
        low: round(l, 4),
        close: round(c, 4),
        volume: Math.round(Number(at(rec, 'volume'))),
        change: round(change, 4),
        changePercent: round((change / o) * 100, 5),
        vwap: round((o + h + l + c) / 4, 4),
      };
    })
    .sort((a, b) => a.date.localeCompare(b.date));
  writeFileSync(join(out, `${symbol.replace('^', '_')}.json`), `${JSON.stringify(rows)}\n`);
  console.log(`${symbol}: ${rows.length} rows ${rows[0]!.date}..${rows.at(-1)!.date}`);
}
