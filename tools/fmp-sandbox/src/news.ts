import { readFileSync } from 'node:fs';
import { FMP_WIRE_FIXTURES } from '@finlake/schemas/testing';
import { newYorkStamp } from '@finlake/market-calendar';
import { rng } from './data.ts';
import { errorBody, jsonBody } from './wire.ts';

/**
 * FMP stock news as a feed that grows with the clock: each symbol publishes an article every
 * `intervalMs` (with seeded jitter), so a poller sees new articles arrive, pages shift under it (the
 * same article on two pages) and its watermark matters. Served by `/stable/news/stock?symbols=&from=&to=
 * &page=&limit=` and `/stable/news/stock-latest?page=&limit=`, newest first, in the recorded answer's shape
 * (`publishedDate` in New York local time). What a consumer must cope with is there on purpose, seeded:
 * - the same article filed under two symbols (every `crossListEvery`-th article of a symbol is also filed
 *   under the next symbol of the feed, same url);
 * - the same (symbol, url) published twice (every `repeatEvery`-th article is re-sent 7 minutes later);
 * - malformed items (every `malformedEvery`-th: no url, empty title, a bad date, in turn).
 * The bundled recorded article (data/news/) is served at its real time under its symbol.
 */
export interface NewsFeedOptions {
  /** The feed's clock: articles after it do not exist yet. */
  now?: () => number;
  intervalMs?: number;
  crossListEvery?: number;
  repeatEvery?: number;
  malformedEvery?: number;
  /** Symbols `stock-latest` covers (every symbol that has news). */
  symbols?: readonly string[];
  /** Pads each article's text to about this many bytes (load tests: records of a given size). */
  textBytes?: number;
}

export interface NewsItem {
  symbol: unknown;
  publishedDate: unknown;
  publisher: string;
  title: unknown;
  image: string;
  site: string;
  text: string;
  url?: unknown;
}

const PUBLISHERS = [
  ['Reuters', 'reuters.com'],
  ['Bloomberg', 'bloomberg.com'],
  ['CNBC', 'cnbc.com'],
  ['The Motley Fool', 'fool.com'],
] as const;
const HEADLINES = [
  '{s} beats estimates as revenue climbs to a record',
  '{s} shares slide after weak guidance disappoints investors',
  '{s} announces new buyback program',
  '{s} faces lawsuit over product defects',
  '{s} holds steady ahead of earnings',
  '{s} upgraded to buy on strong demand outlook',
] as const;
const MALFORMED = ['no_url', 'empty_title', 'bad_date'] as const;
const RECORDED = JSON.parse(readFileSync(FMP_WIRE_FIXTURES.newsStockAaplMsftLimit1, 'utf8')) as NewsItem[];

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface Entry {
  at: number;
  item: NewsItem;
}

export function newsFeed(options: NewsFeedOptions = {}) {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 20 * 60_000;
  const crossEvery = options.crossListEvery ?? 5;
  const repeatEvery = options.repeatEvery ?? 11;
  const malformedEvery = options.malformedEvery ?? 37;
  const latestSymbols = options.symbols ?? ['AAPL', 'MSFT', 'AMZN', 'GOOG'];

  /** Article k of a symbol (k counts from the epoch): when, and what. */
  function article(symbol: string, k: number): Entry {
    const next = rng(hash(symbol) ^ k);
    const at = k * interval + Math.floor(next() * interval * 0.8);
    const [publisher, site] = PUBLISHERS[Math.floor(next() * PUBLISHERS.length)]!;
    const title = HEADLINES[Math.floor(next() * HEADLINES.length)]!.replace('{s}', symbol);
    const slug = `${symbol.toLowerCase()}-${k}`;
    const item: NewsItem = {
      symbol,
      publishedDate: newYorkStamp(at),
      publisher,
      title,
      image: `https://images.financialmodelingprep.com/news/${slug}.jpg`,
      site,
      text: `${title}. Sandbox article ${k} about ${symbol}.`.padEnd(options.textBytes ?? 0, ' Lorem ipsum.'),
      url: `https://www.${site}/markets/${slug}`,
    };
    if (k % malformedEvery === 0) {
      const kind = MALFORMED[Math.floor(k / malformedEvery) % MALFORMED.length];
      if (kind === 'no_url') delete item.url;
      if (kind === 'empty_title') item.title = '  ';
      // A date in another format (day first): a consumer must reject it, not guess.
      if (kind === 'bad_date') {
        const d = newYorkStamp(at);
        item.publishedDate = `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${d.slice(11)}`;
      }
    }
    return { at, item };
  }

  /** A symbol's entries published in [startMs, endMs], newest first: its own, cross-listed and repeats. */
  function entries(
    symbol: string,
    index: number,
    symbols: readonly string[],
    startMs: number,
    endMs: number,
  ) {
    const out: Entry[] = [];
    const last = Math.floor(endMs / interval);
    const first = Math.max(0, Math.floor(startMs / interval) - 1);
    const prev = symbols[(index - 1 + symbols.length) % symbols.length]!;
    for (let k = last; k >= first; k--) {
      const own = article(symbol, k);
      out.push(own);
      if (k % repeatEvery === 0) out.push({ at: own.at + 7 * 60_000, item: own.item });
      // Every crossEvery-th article of the previous symbol is filed under this one too (same url).
      if (symbols.length > 1 && k % crossEvery === 0 && prev !== symbol) {
        const theirs = article(prev, k);
        out.push({ at: theirs.at, item: { ...theirs.item, symbol } });
      }
    }
    for (const r of RECORDED)
      if (r.symbol === symbol) out.push({ at: Date.parse(`${r.publishedDate}-04:00`), item: r });
    return out.filter((e) => e.at >= startMs && e.at <= endMs);
  }

  function answer(url: URL): { status: number; body: string } {
    const latest = url.pathname.endsWith('stock-latest');
    const symbols = latest
      ? latestSymbols
      : (url.searchParams.get('symbols') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
    if (!latest && symbols.length === 0)
      return { status: 400, body: errorBody("Missing required parameter 'symbols'.") };
    const page = Number(url.searchParams.get('page') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    if (!Number.isInteger(page) || page < 0 || page > 100)
      return { status: 400, body: errorBody('page must be an integer from 0 to 100.') };
    if (!Number.isInteger(limit) || limit < 1 || limit > 250)
      return { status: 400, body: errorBody('limit must be an integer from 1 to 250.') };
    const clock = now();
    // from/to are New York calendar dates; widen by a day each way and filter on the local stamp.
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    const startMs = from ? Date.parse(`${from}T00:00:00Z`) - 86_400_000 : clock - 30 * 86_400_000;
    const endMs = Math.min(clock, to ? Date.parse(`${to}T23:59:59Z`) + 86_400_000 : clock);
    const need = (page + 1) * limit;
    // Enough history for the page asked: widen the start until the page is full or 30 days are covered.
    let span = Math.min(
      endMs - startMs,
      Math.max(interval * 4, (need / symbols.length + 2) * interval * 1.2),
    );
    const inDays = (e: Entry) => {
      // By when it was published (a malformed publishedDate is still filed under its real day).
      const day = newYorkStamp(e.at).slice(0, 10);
      return (!from || day >= from) && (!to || day <= to);
    };
    let inRange: Entry[] = [];
    for (;;) {
      const all = symbols.flatMap((s, i) => entries(s, i, symbols, Math.max(startMs, endMs - span), endMs));
      inRange = all.filter(inDays);
      if (inRange.length >= need || endMs - span <= startMs) break;
      span *= 2;
    }
    inRange.sort((a, b) => b.at - a.at || String(a.item.url).localeCompare(String(b.item.url)));
    return { status: 200, body: jsonBody(inRange.slice(page * limit, need).map((e) => e.item)) };
  }

  return { answer, article };
}
