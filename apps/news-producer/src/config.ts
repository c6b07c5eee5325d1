import Type from 'typebox';
import { ConfigError, loadConfig, setting } from '@finlake/config';
import { ingesterConfigSpec } from '@finlake/fmp-connector';
import { TICKER_PATTERN } from '@finlake/schemas';
import { FMP_NEWS, STREAM_DELIVERIES, streamDeliveryOf, type StreamDelivery } from '@finlake/platform';

/** The producer's settings: FMP's (shared with the batch connector: pacing, retries, key) plus its own. */
export const producerConfigSpec = {
  env: ingesterConfigSpec.env,
  apiKey: ingesterConfigSpec.apiKey,
  apiKeySecretId: ingesterConfigSpec.apiKeySecretId,
  baseUrl: ingesterConfigSpec.baseUrl,
  ratePerMin: ingesterConfigSpec.ratePerMin,
  timeoutMs: ingesterConfigSpec.timeoutMs,
  maxAttempts: ingesterConfigSpec.maxAttempts,
  backoffBaseMs: ingesterConfigSpec.backoffBaseMs,
  backoffCapMs: ingesterConfigSpec.backoffCapMs,
  dataset: setting({
    env: 'STREAM_DATASET',
    schema: Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }),
    expected: `the streamed silver table this producer feeds: ${STREAM_DELIVERIES.map((d) => d.dataset.silverTable).join(', ')}`,
    default: FMP_NEWS.silverTable,
  }),
  symbols: setting({
    env: 'NEWS_SYMBOLS',
    schema: Type.String(),
    expected: 'comma-separated tickers, e.g. AAPL,MSFT (the news producer)',
    default: '',
  }),
  streamSymbols: setting({
    env: 'STREAM_SYMBOLS',
    schema: Type.String(),
    expected: 'comma-separated tickers, e.g. AAPL,MSFT (a generated streamed source)',
    default: '',
  }),
  lookbackDays: setting({
    env: 'STREAM_LOOKBACK_DAYS',
    schema: Type.Integer({ minimum: 0, maximum: 31 }),
    expected: 'days before today each poll of a generated streamed source asks for, 0-31',
    default: 3,
  }),
  groupSize: setting({
    env: 'NEWS_SYMBOLS_PER_CALL',
    schema: Type.Integer({ minimum: 1, maximum: 50 }),
    expected: 'symbols polled together per call, 1-50',
    default: 5,
  }),
  latest: setting({
    env: 'NEWS_POLL_LATEST',
    schema: Type.Boolean(),
    expected: 'true or false: also poll /stable/news/stock-latest',
    default: false,
  }),
  since: setting({
    env: 'NEWS_SINCE',
    schema: Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2})?(\\.\\d+)?Z?)?)?$' }),
    expected:
      'the first watermark when there is no checkpoint: YYYY-MM-DD or an ISO instant (default 24 h ago)',
    default: '',
  }),
  pollIntervalMs: setting({
    env: 'NEWS_POLL_INTERVAL_MS',
    schema: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    expected: 'ms between polls, 100-3600000',
    default: 60_000,
  }),
  maxPages: setting({
    env: 'NEWS_MAX_PAGES',
    schema: Type.Integer({ minimum: 1, maximum: 100 }),
    expected: 'pages per poll at most, 1-100',
    default: 20,
  }),
  streamName: setting({
    env: 'KINESIS_STREAM_NAME',
    schema: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,128}$' }),
    expected: 'the Kinesis stream name (infra: finlake-<env>-news)',
  }),
  maxTries: setting({
    env: 'PUT_MAX_TRIES',
    schema: Type.Integer({ minimum: 1, maximum: 50 }),
    expected: 'tries per record before the dead-letter area, 1-50',
    default: 8,
  }),
  putBackoffBaseMs: setting({
    env: 'PUT_BACKOFF_BASE_MS',
    schema: Type.Integer({ minimum: 1, maximum: 60_000 }),
    expected: 'first PutRecords backoff ceiling in ms',
    default: 100,
  }),
  putBackoffCapMs: setting({
    env: 'PUT_BACKOFF_CAP_MS',
    schema: Type.Integer({ minimum: 1, maximum: 60_000 }),
    expected: 'largest PutRecords backoff in ms',
    default: 5_000,
  }),
  queueCapacity: setting({
    env: 'QUEUE_CAPACITY',
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    expected: 'records buffered before polling waits, >= 1',
    default: 10_000,
  }),
  lingerMs: setting({
    env: 'PUT_LINGER_MS',
    schema: Type.Integer({ minimum: 0, maximum: 10_000 }),
    expected: 'ms a partial PutRecords batch waits for more records',
    default: 200,
  }),
  healthPort: setting({
    env: 'HEALTH_PORT',
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    expected: 'port of /healthz (0: any free port)',
    default: 8080,
  }),
  metricsEmfIntervalMs: setting({
    env: 'METRICS_EMF_INTERVAL_MS',
    schema: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    expected: 'ms between CloudWatch EMF metric lines in the log (0: none; AWS sets 60000)',
    default: 0,
  }),
  stopTimeoutMs: setting({
    env: 'STOP_TIMEOUT_MS',
    schema: Type.Integer({ minimum: 1000, maximum: 120_000 }),
    expected: "the ECS task's stopTimeout in ms: SIGTERM's flush must end within it",
    default: 30_000,
  }),
  producer: setting({
    env: 'PRODUCER_NAME',
    schema: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    expected: 'the checkpoint name, lower-case letters, digits and -',
    default: 'news-producer',
  }),
};

const TICKER = new RegExp(TICKER_PATTERN);

export function loadProducerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig('news-producer', producerConfigSpec, env);
  const problems: string[] = [];
  let delivery: StreamDelivery | undefined;
  try {
    delivery = streamDeliveryOf(config.dataset);
  } catch (err) {
    problems.push(`STREAM_DATASET: ${(err as Error).message}`);
  }
  const news = config.dataset === FMP_NEWS.silverTable;
  const symbolsVar = news ? 'NEWS_SYMBOLS' : 'STREAM_SYMBOLS';
  const symbols = [
    ...new Set(
      (news ? config.symbols : config.streamSymbols)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const bad = symbols.filter((s) => !TICKER.test(s));
  if (!symbols.length)
    problems.push(`${symbolsVar}: missing; expected comma-separated tickers, e.g. AAPL,MSFT`);
  if (bad.length)
    problems.push(
      `${symbolsVar}: ${bad.map((s) => JSON.stringify(s)).join(', ')} not a ticker like AAPL or BRK.B`,
    );
  if (!config.apiKey && config.env === 'local' && !config.apiKeySecretId)
    problems.push('FMP_API_KEY: missing; expected your FMP API key (the local sandbox: sandbox-key)');
  const since = config.since
    ? new Date(config.since.length === 10 ? `${config.since}T00:00:00Z` : config.since)
    : new Date(Date.now() - 86_400_000);
  if (Number.isNaN(since.getTime()))
    problems.push(`NEWS_SINCE: ${JSON.stringify(config.since)} is not a date`);
  if (problems.length) throw new ConfigError('news-producer', problems);
  const groups: string[][] = [];
  for (let i = 0; i < symbols.length; i += config.groupSize)
    groups.push(symbols.slice(i, i + config.groupSize));
  return { ...config, delivery: delivery!, symbolList: symbols, symbolGroups: groups, sinceDate: since };
}
export type ProducerConfig = ReturnType<typeof loadProducerConfig>;
