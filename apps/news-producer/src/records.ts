import { createHash } from 'node:crypto';

/** A record as the producer puts it on the stream (the `fmp_news_record` contract). */
export interface NewsRecord {
  article_id: string;
  fetched_at: string;
  item: string;
}

export interface StreamEntry {
  /** The newline-terminated JSON line: Firehose concatenates records as they are. */
  data: Buffer;
  partitionKey: string;
  /** The record's id (news: the article id; a generated source: its key's): what silver dedupes on. */
  articleId: string;
}

/** Kinesis caps: a record's data plus its partition key at 1 MiB, a key at 256 characters. */
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_PARTITION_KEY = 256;

/** sha256("symbol|url"), hex: the same article filed under the same symbol always has the same id. */
export function articleId(symbol: string, url: string): string {
  return createHash('sha256').update(`${symbol}|${url}`).digest('hex');
}

const text = (v: unknown) =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/**
 * One wire item as a stream entry. Nothing is judged here (silver validates and rejects with a reason):
 * an item without a url still gets an id (of what it has) and a partition key, so it reaches silver's
 * rejects instead of vanishing in the producer.
 */
export function toEntry(item: unknown, fetchedAt: Date): StreamEntry {
  const o = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
  const symbol = text(o.symbol).slice(0, MAX_PARTITION_KEY) || '_unknown';
  const record: NewsRecord = {
    article_id: articleId(text(o.symbol), text(o.url)),
    fetched_at: fetchedAt.toISOString(),
    item: JSON.stringify(item),
  };
  return {
    data: Buffer.from(`${JSON.stringify(record)}\n`),
    partitionKey: symbol,
    articleId: record.article_id,
  };
}

/** FMP's publishedDate, "YYYY-MM-DD HH:MM:SS" (New York local): comparable as text when well formed. */
export const STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const stampOf = (item: unknown): string | undefined => {
  const v = item && typeof item === 'object' ? (item as Record<string, unknown>).publishedDate : undefined;
  return typeof v === 'string' && STAMP.test(v) ? v : undefined;
};

/** A generated streamed source's record (`<table>_record`-shaped like news'): its key's id, the fetch, the item. */
export interface SourceRecord {
  record_id: string;
  fetched_at: string;
  item: string;
}

/**
 * One item of a generated streamed source as a stream entry: its id is sha256 of its key fields
 * ("symbol|date"), the same for every fetch of the same row, so silver keeps the latest fetch of it.
 * Nothing is judged here either: an item without its key still goes, and silver rejects it with the reason.
 */
export function recordEntry(item: unknown, fetchedAt: Date, key: readonly string[]): StreamEntry {
  const o = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
  const id = createHash('sha256')
    .update(key.map((k) => text(o[k])).join('|'))
    .digest('hex');
  const record: SourceRecord = {
    record_id: id,
    fetched_at: fetchedAt.toISOString(),
    item: JSON.stringify(item),
  };
  return {
    data: Buffer.from(`${JSON.stringify(record)}\n`),
    partitionKey: text(o.symbol).slice(0, MAX_PARTITION_KEY) || '_unknown',
    articleId: id,
  };
}
