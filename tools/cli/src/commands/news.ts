import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { startFmpSandbox } from '@finlake/fmp-sandbox';
import { findRepoRoot, openLake } from '@finlake/lake';
import { runIdFromEnv } from '@finlake/logging';
import {
  deliveryStreamName,
  NEWS_DELIVERY,
  producerName,
  STREAM_DELIVERIES,
  streamDeliveryOf,
  streamName,
  type StreamDelivery,
} from '@finlake/platform';
import {
  ensureStream,
  LocalFirehose,
  localKinesisClient,
  startKinesis,
  startLimitsProxy,
} from '@finlake/stream-local';
import { repoPython, runAttached, runGlueJob } from '../process.ts';
import { isoInstant } from '../options.ts';

const shardCount = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new InvalidArgumentError(`${JSON.stringify(v)} is not a shard count from 1 to 16`);
  return n;
};

const DURATION = /^(\d+)(s|m)$/;
const parseDuration = (v: string) => {
  const m = DURATION.exec(v);
  if (!m) throw new InvalidArgumentError(`${JSON.stringify(v)} is not a duration like 60s or 5m`);
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
};

/**
 * `finlake news run` and `finlake stream run`: a stream's path on this machine for a given time (news unless
 * `delivery` names another). The producer (its real program)
 * polls FMP (the sandbox unless --fmp-url), puts records on a local Kinesis behind the shard-limits proxy,
 * and the local Firehose delivers them into bronze; at the end the producer gets SIGTERM and flushes, the
 * delivery writes what it buffered, and everything stops.
 */
async function runStream(opts: {
  symbols: string;
  since?: string;
  for: number;
  fmpUrl?: string;
  shards: number;
  sandboxClock?: number;
  /** Instead of polling: the producer's `replay-dead-letters` (no FMP), until it exits. */
  replay?: { date?: string };
  /** The streamed dataset (default news). */
  delivery?: StreamDelivery;
}) {
  const delivery = opts.delivery ?? NEWS_DELIVERY;
  const env = 'local';
  const lake = openLake();
  const clock = opts.sandboxClock;
  const sandbox =
    opts.fmpUrl || opts.replay
      ? undefined
      : await startFmpSandbox({
          apiKey: 'sandbox-key',
          ratePerMin: 3000,
          ...(clock !== undefined ? { news: { now: () => clock } } : {}),
        });
  const kinesis = await startKinesis();
  const direct = localKinesisClient(kinesis.url);
  const stream = streamName(delivery, env);
  await ensureStream(direct, stream, opts.shards);
  const proxy = await startLimitsProxy({ target: kinesis.url, client: direct });
  const firehose = new LocalFirehose({
    kinesis: direct,
    streamName: stream,
    deliveryStreamName: deliveryStreamName(delivery, env),
    delivery,
    bronze: lake.bronze,
    stateFile: join(
      process.env.FINLAKE_LAKE_ROOT ?? join(findRepoRoot(), '.lake'),
      '.stream-local',
      `${stream}.json`,
    ),
    onDelivered: (o) => console.error(`firehose: ${o.records} records -> bronze/${o.key}`),
  });
  await firehose.start();
  const repo = findRepoRoot();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-C',
      '@finlake/source',
      join(repo, 'apps', 'news-producer', 'src', 'main.ts'),
      ...(opts.replay
        ? ['replay-dead-letters', ...(opts.replay.date ? ['--date', opts.replay.date] : [])]
        : []),
    ],
    {
      cwd: repo,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        FMP_BASE_URL: opts.fmpUrl ?? sandbox?.url ?? '',
        FMP_API_KEY: opts.fmpUrl ? (process.env.FMP_API_KEY ?? '') : 'sandbox-key',
        FINLAKE_AWS_ENDPOINT_URL: proxy.url,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        KINESIS_STREAM_NAME: stream,
        STREAM_DATASET: delivery.dataset.silverTable,
        NEWS_SYMBOLS: opts.symbols,
        STREAM_SYMBOLS: opts.symbols,
        PRODUCER_NAME: producerName(delivery),
        NEWS_POLL_INTERVAL_MS: process.env.NEWS_POLL_INTERVAL_MS ?? '5000',
        HEALTH_PORT: process.env.HEALTH_PORT ?? '0',
        ...(opts.since ? { NEWS_SINCE: opts.since } : {}),
      },
    },
  );
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? 1)));
  const stop = () => child.kill('SIGTERM');
  // A replay ends by itself; a poll runs for the given time.
  const timer = setTimeout(stop, opts.replay ? 2 ** 31 - 1 : opts.for);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Whatever fails here (the delivery, the stand-ins), the producer does not outlive this command.
  const orphan = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', orphan);
  let code: number;
  try {
    code = await Promise.race([exited, firehose.failed]);
    clearTimeout(timer);
    await firehose.stop();
    await firehose.drainNow();
  } finally {
    clearTimeout(timer);
    orphan();
    await proxy.close();
    await kinesis.close();
    await sandbox?.close();
  }
  console.error(
    `${delivery.dataset.silverTable} ${opts.replay ? 'replay-dead-letters' : 'run'}: producer exited ${code}; ${firehose.delivered} records in ${firehose.objects} objects delivered; ` +
      `${proxy.stats.throttled} entries throttled by the shard limits`,
  );
  return code;
}

export function registerNews(program: Command): void {
  const news = program
    .command('news')
    .description('the news stream: producer -> Kinesis -> Firehose -> bronze (local stand-ins)');
  news
    .command('run')
    .description(
      'run the stream for a while: FMP news into bronze, then stop cleanly with everything delivered',
    )
    .requiredOption('--symbols <list>', 'comma-separated tickers, e.g. AAPL,MSFT')
    .option(
      '--since <date>',
      'first watermark when there is no checkpoint (YYYY-MM-DD or ISO instant; default 24 h ago)',
    )
    .option('--for <duration>', 'how long to run, e.g. 60s or 5m', parseDuration, 60_000)
    .option('--fmp-url <url>', 'FMP origin (default: start the sandbox); FMP_API_KEY holds the key')
    .option('--shards <n>', 'shards of the local stream (1-16)', shardCount, 1)
    .option(
      '--sandbox-clock <instant>',
      "the sandbox's news clock (default now): articles after it do not exist yet",
      isoInstant('--sandbox-clock'),
    )
    .action(async (opts) => {
      process.exitCode = await runStream(opts);
    });
  news
    .command('replay-dead-letters')
    .description(
      'put the dead-letter area back on the stream (local Kinesis -> Firehose -> bronze); each object is marked once delivered, so a rerun sends nothing twice',
    )
    .option('--date <day>', 'only the dead letters of this day (YYYY-MM-DD)', (v) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v))
        throw new InvalidArgumentError(`${JSON.stringify(v)} is not YYYY-MM-DD`);
      return v;
    })
    .option('--shards <n>', 'shards of the local stream (1-16)', shardCount, 1)
    .action(async (opts) => {
      process.exitCode = await runStream({
        symbols: '',
        for: 0,
        shards: opts.shards,
        replay: { date: opts.date },
      });
    });
}

/**
 * `finlake stream run --dataset <table>`: any streamed dataset's path on this machine (a source generated with
 * `--kind stream`, or news): its producer, its local Kinesis stream and its Firehose delivery into bronze.
 */
export function registerStream(program: Command): void {
  const tables = STREAM_DELIVERIES.map((d) => d.dataset.silverTable);
  program
    .command('stream')
    .description('a streamed dataset: producer -> Kinesis -> Firehose -> bronze (local stand-ins)')
    .command('run')
    .description('run a streamed dataset for a while, then stop cleanly with everything delivered')
    .requiredOption('--dataset <table>', `the streamed silver table (${tables.join(', ')})`, (v) => {
      try {
        return streamDeliveryOf(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    })
    .requiredOption('--symbols <list>', 'comma-separated tickers, e.g. AAPL,MSFT')
    .option('--for <duration>', 'how long to run, e.g. 60s or 5m', parseDuration, 60_000)
    .option('--fmp-url <url>', 'FMP origin (default: start the sandbox); FMP_API_KEY holds the key')
    .option('--shards <n>', 'shards of the local stream (1-16)', shardCount, 1)
    .action(async (opts) => {
      process.exitCode = await runStream({ ...opts, delivery: opts.dataset });
    });
}

/** `finlake transform news` and `finlake compact news`: the Glue job's news path and the day compaction. */
export function registerNewsSilver(transform: Command, program: Command): void {
  transform
    .command('news')
    .description('one micro-batch: the news Firehose landed since the last batch into silver fmp_news')
    .option('--full', 'reprocess every landed object (silver still holds each article once)')
    .option('--run-id <id>', 'run id (default: PREFECT__FLOW_RUN_ID, else generated)')
    .action(async (opts) => {
      process.exitCode = await runGlueJob('fmp_news', opts.full ? 'full' : 'stream', opts.runId);
    });
  program
    .command('compact')
    .description('rewrite streamed silver days into few large files (readers switch atomically)')
    .command('news')
    .description('compact the days of silver fmp_news that have more than one file')
    .option('--days <list>', 'only these session days (YYYY-MM-DD, comma-separated)')
    .option('--run-id <id>', 'run id (default: generated)')
    .action(async (opts) => {
      const lake = openLake();
      process.exitCode = await runAttached(repoPython(), [
        '-m',
        'finlake_glue.news',
        'compact',
        '--silver_uri',
        lake.silver.uri(),
        '--run_id',
        opts.runId ?? runIdFromEnv(),
        ...(opts.days ? ['--days', opts.days] : []),
      ]);
    });
}
