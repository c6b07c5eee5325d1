import { rng } from './data.ts';
import { jsonBody } from './wire.ts';

const PUBLISHERS = [
  ['Reuters', 'reuters.com'],
  ['Bloomberg', 'bloomberg.com'],
  ['CNBC', 'cnbc.com'],
  ['The Motley Fool', 'fool.com'],
] as const;

/**
 * `/stable/news/stock?symbols=&from=&to=&page=&limit=` and `/stable/news/stock-latest?page=&limit=`:
 * deterministic articles in FMP's shape (symbol, publishedDate "YYYY-MM-DD HH:MM:SS", publisher,
 * title, image, site, text, url), newest first, for the streaming source.
 */
export function newsFor(url: URL): { status: number; body: string } {
  const symbols = (url.searchParams.get('symbols') ?? 'AAPL,MSFT,AMZN,GOOG')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const page = Math.max(0, Number(url.searchParams.get('page') ?? 0) || 0);
  const limit = Math.min(250, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
  const to =
    Date.parse(`${url.searchParams.get('to') ?? '2025-09-22'}T23:59:59Z`) || Date.UTC(2025, 8, 22, 23, 59);
  const items = [];
  for (let i = page * limit; i < (page + 1) * limit; i++) {
    const symbol = symbols[i % symbols.length]!;
    const next = rng(i * 31 + symbol.length);
    const [publisher, site] = PUBLISHERS[Math.floor(next() * PUBLISHERS.length)]!;
    const at = new Date(to - i * 1_800_000 - Math.floor(next() * 600_000));
    const stamp = at.toISOString().replace('T', ' ').slice(0, 19);
    const slug = `${symbol.toLowerCase()}-update-${at.toISOString().slice(0, 10).replaceAll('-', '')}-${i}`;
    items.push({
      symbol,
      publishedDate: stamp,
      publisher,
      title: `${symbol} shares move after market update #${i}`,
      image: `https://images.financialmodelingprep.com/news/${slug}.jpg`,
      site,
      text: `Synthetic sandbox article ${i} about ${symbol}.`,
      url: `https://www.${site}/markets/${slug}`,
    });
  }
  return { status: 200, body: jsonBody(items) };
}
