import Type from 'typebox';
import { col, nullable } from '../columns.ts';
import { defineDataset } from '../dataset.ts';
import { TICKER_PATTERN } from './fmp-eod-wire-row.ts';

/**
 * One element of FMP's `/stable/news/stock` (and `/stable/news/stock-latest`) answer, as sent on the wire.
 * `publishedDate` is New York local time ("YYYY-MM-DD HH:MM:SS", no offset): the recorded answer's Reuters
 * article stamped 21:31:48 on 2025-09-22 carries 2025-09-23 in its URL, its UTC date.
 */
export const fmpNewsWireItem = defineDataset({
  name: 'fmp_news_wire_item',
  zone: 'bronze',
  description: 'One article of FMP /stable/news/stock, as the API sends it.',
  primaryKey: ['symbol', 'url'],
  partitionBy: [],
  additionalProperties: true,
  properties: {
    symbol: col.string('Ticker the article is filed under.', { pattern: TICKER_PATTERN }),
    publishedDate: col.string('Publication time, New York local, YYYY-MM-DD HH:MM:SS.'),
    publisher: Type.Optional(col.string('Publisher name.')),
    title: col.string('Headline.'),
    image: Type.Optional(col.string('Image URL.')),
    site: Type.Optional(col.string('Publisher site.')),
    text: Type.Optional(col.string('Summary text.')),
    url: col.string('Article URL: with the symbol, the article identity.'),
  },
});

/**
 * What the news producer puts on the stream, one per article and symbol (and Firehose lands in bronze,
 * newline-delimited): the wire item untouched plus the id consumers dedupe on and when it was fetched.
 */
export const fmpNewsRecord = defineDataset({
  name: 'fmp_news_record',
  zone: 'bronze',
  description: 'One streamed news record: the FMP article and its id, as the producer puts it on Kinesis.',
  primaryKey: ['article_id'],
  partitionBy: [],
  properties: {
    article_id: col.string('sha256 of "symbol|url", hex: the same article re-sent has the same id.', {
      pattern: '^[0-9a-f]{64}$',
    }),
    fetched_at: col.string('When the producer fetched it (UTC, ISO 8601).'),
    item: col.string('The FMP wire item as JSON text: silver validates it, the producer never drops one.'),
  },
});

const sessionPartition = [
  {
    name: 'session_date',
    sqlType: 'date',
    description:
      'Trading session the article counts for: its New York date, or the next session when published after the 16:00 close or on a non-trading day.',
  },
] as const;

/** Silver: one row per article id, validated, with its trading session and sentiment. */
export const fmpNews = defineDataset({
  name: 'fmp_news',
  zone: 'silver',
  description:
    'Stock news from FMP, validated and deduplicated on article_id, with the trading session it counts for and a sentiment score.',
  primaryKey: ['article_id'],
  eventTime: 'published_at',
  // A stream: a day without news for the whole universe means the producer or Firehose stopped.
  freshness: { warnAfterDays: 1, errorAfterDays: 3 },
  partitionBy: sessionPartition,
  dbtStaging: {
    model: 'stg_fmp__news',
    description: 'One row per article from silver fmp_news, named for modelling; nothing computed.',
    rename: { title: 'headline' },
    exclude: ['run_id', 'text'],
    partitions: ['session_date'],
    mayBeEmpty: true,
  },
  properties: {
    article_id: col.string('sha256 of "symbol|url", hex.', { pattern: '^[0-9a-f]{64}$' }),
    symbol: col.string('Ticker the article is filed under.', { pattern: TICKER_PATTERN }),
    published_at: col.timestamp('Publication instant (UTC), from FMP New York local time.'),
    title: col.string('Headline, non-empty.'),
    publisher: nullable(col.string('Publisher name.')),
    site: nullable(col.string('Publisher site.')),
    url: col.string('Article URL (http or https).'),
    text: nullable(col.string('Summary text.')),
    sentiment: col.double('VADER compound score of headline and summary, in [-1, 1].', {
      minimum: -1,
      maximum: 1,
    }),
    ingested_at: col.timestamp('When the producer fetched the article from FMP (UTC).'),
    source_object: col.string('Key of the bronze object the record was read from.'),
    run_id: col.string('Id of the run that wrote the row.'),
  },
});

/** Silver rejects for news: records that failed validation, with the reason, per run. */
export const fmpNewsRejects = defineDataset({
  name: 'fmp_news_rejects',
  zone: 'silver',
  description: 'Streamed news records that failed validation for fmp_news, with the reason.',
  primaryKey: ['source_object', 'record_index'],
  partitionBy: [
    { name: 'run_id', sqlType: 'string', description: 'Id of the run that rejected the record.' },
  ],
  properties: {
    source_object: col.string('Key of the bronze object the record came from.'),
    record_index: col.integer('Line of the record in the object (0-based); -1 for the whole object.'),
    record: nullable(col.string('The raw record text.')),
    reject_reason: col.string(
      'Named rule that failed, e.g. missing_url, invalid_published_date, empty_title.',
    ),
    article_id: nullable(col.string('The record article_id, when it had one.')),
    rejected_at: col.timestamp('When the record was rejected (UTC).'),
  },
});
