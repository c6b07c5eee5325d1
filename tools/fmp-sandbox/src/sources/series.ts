import { rng } from '../data.ts';
import { errorBody, jsonBody } from '../wire.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The answer of a daily per-symbol endpoint of a generated source: for `?symbol=&from=&to=`, one row per
 * weekday, newest first, each field from a seeded generator (the same symbol and day always give the same
 * row), and every `malformedEvery`-th row broken (its date missing), as real feeds sometimes are.
 */
export function dailySeries(
  url: URL,
  row: (symbol: string, date: string, next: () => number) => Record<string, unknown>,
  malformedEvery = 29,
): { status: number; body: string } {
  const symbol = url.searchParams.get('symbol')?.trim() ?? '';
  if (!symbol) return { status: 400, body: errorBody("Missing required parameter 'symbol'.") };
  const from = url.searchParams.get('from') ?? '';
  const to = url.searchParams.get('to') ?? '';
  if (!DATE.test(from) || !DATE.test(to))
    return { status: 400, body: errorBody('Invalid date format, expected YYYY-MM-DD.') };
  const rows: Record<string, unknown>[] = [];
  for (let t = Date.parse(`${to}T00:00:00Z`); t >= Date.parse(`${from}T00:00:00Z`); t -= 86_400_000) {
    const day = new Date(t);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
    const date = day.toISOString().slice(0, 10);
    const r = row(symbol, date, rng(hash(`${symbol}|${date}`)));
    if (Math.floor(t / 86_400_000) % malformedEvery === 0) delete r.date;
    rows.push(r);
  }
  return { status: 200, body: jsonBody(rows) };
}
