import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EodRow {
  symbol: string;
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  change: number;
  changePercent: number;
  vwap: number;
}

const DATA_DIR = join(import.meta.dirname, '..', 'data', 'eod');

/** The bundled real sample, oldest first per symbol. */
export function loadSample(dir = DATA_DIR): Map<string, EodRow[]> {
  const out = new Map<string, EodRow[]>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const rows = JSON.parse(readFileSync(join(dir, f), 'utf8')) as EodRow[];
    if (rows.length > 0) out.set(rows[0]!.symbol, rows);
  }
  return out;
}

export const SYNTHETIC = /^SYN\d{4}$/;
const SYN_START = Date.UTC(1995, 0, 2);
const SYN_END = Date.UTC(2025, 11, 31);
const DAY = 86_400_000;

/** mulberry32: a tiny deterministic PRNG, so the same seed always gives the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const cache = new Map<string, EodRow[]>();

/** Weekday random walk for SYNnnnn, 1995-01-02 .. 2025-12-31; cached per symbol (a few MB at most). */
export function syntheticRows(symbol: string): EodRow[] {
  const hit = cache.get(symbol);
  if (hit) return hit;
  const next = rng(Number(symbol.slice(3)) * 7919 + 17);
  const rows: EodRow[] = [];
  let close = 20 + next() * 180;
  for (let t = SYN_START; t <= SYN_END; t += DAY) {
    const dow = new Date(t).getUTCDay();
    if (dow === 0 || dow === 6) continue;
    const open = Math.max(0.5, close * (1 + (next() - 0.5) * 0.02));
    close = Math.max(0.5, open * (1 + (next() - 0.5) * 0.04));
    const high = Math.max(open, close) * (1 + next() * 0.01);
    const low = Math.min(open, close) * (1 - next() * 0.01);
    const change = close - open;
    rows.push({
      symbol,
      date: new Date(t).toISOString().slice(0, 10),
      open: r4(open),
      high: r4(high),
      low: r4(low),
      close: r4(close),
      volume: Math.floor(1e5 + next() * 5e6),
      change: r4(change),
      changePercent: Math.round((change / open) * 100 * 1e5) / 1e5,
      vwap: r4((open + high + low + close) / 4),
    });
  }
  if (cache.size > 2000) cache.clear();
  cache.set(symbol, rows);
  return rows;
}

/** First index whose date is >= d (rows are sorted by date). */
export function lowerBound(rows: EodRow[], d: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.date < d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
