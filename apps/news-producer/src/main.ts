/**
 * The news producer's entry point (an ECS service; locally `npx finlake news run`): configuration from the
 * environment, then poll -> Kinesis until SIGTERM/SIGINT, which stops polling, flushes what is buffered
 * within the stop timeout and exits 0 (1 when the flush could not finish: the checkpoint is then the last
 * good one, so nothing is lost, only re-sent).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { awsSettingsFromEnv, createClient } from '@finlake/aws';
import { ConfigError } from '@finlake/config';
import { datasetByName, FmpClient, fmpClientOptions, resolveApiKey } from '@finlake/fmp-connector';
import { openLake, type ZoneStore } from '@finlake/lake';
import { createLogger } from '@finlake/logging';
import { FMP_NEWS } from '@finlake/platform';
import { DATASETS } from '@finlake/schemas';
import { producerEmfDocuments } from './metrics.ts';
import { loadProducerConfig, type ProducerConfig } from './config.ts';
import { KinesisSink } from './kinesis-sink.ts';
import { EndpointPoller } from './endpoint-poller.ts';
import { NewsProducer } from './producer.ts';
import { replayDeadLetters } from './replay.ts';

// JSON lines with service, env and version like every service's; infra's dead-letter metric filter reads `msg`.
const logger = createLogger({ service: 'news-producer', pretty: false });
const log = (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}) =>
  logger[level](fields, msg);

/** The stream sink with the configured pacing, retries and queue (the poller's and the replay's). */
function sinkFor(config: ProducerConfig, bronze: ZoneStore, producer: string): KinesisSink {
  return new KinesisSink({
    kinesis: createClient(KinesisClient, awsSettingsFromEnv()),
    streamName: config.streamName,
    dataset: config.delivery.dataset,
    bronze,
    producer,
    maxTries: config.maxTries,
    backoffBaseMs: config.putBackoffBaseMs,
    backoffCapMs: config.putBackoffCapMs,
    queueCapacity: config.queueCapacity,
    lingerMs: config.lingerMs,
    onEvent: (msg, fields) => log('warn', msg, fields),
  });
}

/**
 * The news producer for fmp_news; for a source generated with `--kind stream`, the endpoint poller on its
 * connector endpoint, keyed by its wire contract's key.
 */
function pollerFor(config: ProducerConfig, client: FmpClient, sink: KinesisSink, bronze: ZoneStore) {
  const dataset = config.delivery.dataset;
  if (dataset.silverTable === FMP_NEWS.silverTable)
    return new NewsProducer({
      client,
      sink,
      bronze,
      producer: config.producer,
      symbolGroups: config.symbolGroups,
      latest: config.latest,
      since: config.sinceDate,
      pollIntervalMs: config.pollIntervalMs,
      maxPages: config.maxPages,
      log,
    });
  const wire = DATASETS.find((d) => d.name === `${dataset.silverTable}_wire_item`);
  if (!wire)
    throw new Error(
      `${dataset.silverTable}: no wire contract ${dataset.silverTable}_wire_item in libs/schemas`,
    );
  return new EndpointPoller({
    client,
    sink,
    endpoint: datasetByName(dataset.dataset),
    key: wire.primaryKey,
    symbols: config.symbolList,
    lookbackDays: config.lookbackDays,
    pollIntervalMs: config.pollIntervalMs,
    log,
  });
}

/** `main.js replay-dead-letters [--date YYYY-MM-DD]`: the dead-letter area back on the stream, then exit. */
async function replay(argv: string[]): Promise<number> {
  const at = argv.indexOf('--date');
  const date = at >= 0 ? argv[at + 1] : undefined;
  const unknown = argv.filter((a, i) => a !== '--date' && (at < 0 || i !== at + 1));
  if (unknown.length || (at >= 0 && !/^\d{4}-\d{2}-\d{2}$/.test(date ?? ''))) {
    process.stderr.write(
      `replay-dead-letters: ${unknown.length ? `unknown argument ${JSON.stringify(unknown[0])}` : `--date ${JSON.stringify(date ?? '')} is not YYYY-MM-DD`}\n` +
        'usage: main.js replay-dead-letters [--date YYYY-MM-DD]\n',
    );
    return 2;
  }
  // Nothing is polled: any valid ticker satisfies the poller's settings.
  const config = loadProducerConfig({
    ...process.env,
    NEWS_SYMBOLS: process.env.NEWS_SYMBOLS || 'REPLAY',
    STREAM_SYMBOLS: process.env.STREAM_SYMBOLS || 'REPLAY',
  });
  const lake = openLake();
  const sink = sinkFor(config, lake.bronze, `${config.producer}-replay`);
  sink.start();
  const summary = await replayDeadLetters({
    bronze: lake.bronze,
    sink,
    date,
    log: (m, f) => log('info', m, f),
  });
  await sink.close();
  log(summary.unreadable.length ? 'error' : 'info', 'replay finished', { ...summary, sink: sink.stats });
  return summary.unreadable.length ? 1 : 0;
}

async function main(): Promise<number> {
  if (process.argv[2] === 'replay-dead-letters') return replay(process.argv.slice(3));
  const config = loadProducerConfig();
  const apiKey = await resolveApiKey(config);
  const lake = openLake();
  const client = new FmpClient({
    ...fmpClientOptions(config, apiKey),
    onRetry: ({ unit, attempt, delayMs, error }) =>
      log('warn', 'fmp retry', {
        poll: unit.symbol,
        page: unit.page,
        attempt,
        delay_ms: delayMs,
        error: error.message,
      }),
  });
  const sink = sinkFor(config, lake.bronze, config.producer);
  const producer = pollerFor(config, client, sink, lake.bronze);
  const health = await producer.serveHealth(config.healthPort);
  // In AWS the same metrics as /metrics, as CloudWatch EMF lines of this log (counters as deltas).
  let last = { put: 0, throttled: 0 };
  const emf =
    config.metricsEmfIntervalMs > 0
      ? setInterval(() => {
          const now = producer.sample();
          for (const doc of producerEmfDocuments(now, last)) logger.info(doc, 'metrics');
          last = { put: now.put, throttled: now.throttled };
        }, config.metricsEmfIntervalMs)
      : undefined;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: string) => {
    if (producer.status.stopping) return;
    log('info', 'stopping: flushing what is buffered', { signal, queue_depth: sink.queue.depth });
    producer.stop();
    // Leave a margin inside ECS's stopTimeout, after which it sends SIGKILL.
    deadline = setTimeout(() => {
      log('error', 'flush did not finish within the stop timeout; the checkpoint is the last good one', {
        queue_depth: sink.queue.depth,
      });
      process.exit(1);
    }, config.stopTimeoutMs - 2_000);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  log('info', 'started', {
    dataset: config.delivery.dataset.silverTable,
    polls: config.symbolGroups.map((g) => g.join(',')),
    stream: config.streamName,
    since: config.sinceDate.toISOString(),
  });
  await producer.run();
  clearTimeout(deadline);
  clearInterval(emf);
  health.close();
  log('info', 'stopped', { ...producer.status, sink: sink.stats });
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  // A bad setting: every problem named, exit 2 (nothing was started).
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  log('error', 'producer failed', { error: String(err) });
  return 1;
});
