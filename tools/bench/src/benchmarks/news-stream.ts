import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startFmpSandbox } from '@finlake/fmp-sandbox';
import { findRepoRoot, LocalZoneStore } from '@finlake/lake';
import {
  deliveryStreamName,
  NEWS_DELIVERY,
  SERVICES,
  silverRejectsPrefix,
  streamLandingPrefix,
  streamName,
} from '@finlake/platform';
import {
  ensureStream,
  LocalFirehose,
  localKinesisClient,
  SHARD_RECORDS_PER_S,
  startKinesis,
  startLimitsProxy,
} from '@finlake/stream-local';
import type { BenchResult, Measurement } from '../report.ts';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/**
 * The news stream on one machine:
 * - the producer (its built bundle, as the container runs it) against the shard-limits proxy in front of
 *   kinesalite, one shard, ~1 KB records: the sustained put rate against the shard's 1,000 records/s (the
 *   baseline), every article of the feed delivered, and the producer's peak RSS;
 * - delivery latency (producer fetch -> object in bronze) with the local buffering;
 * - silver: one batch over what was delivered, every duplicate removed;
 * - compaction: one day of 10,000 micro-batch files scanned by DuckDB before and after.
 */
export async function benchNewsStream(): Promise<BenchResult> {
  const repo = findRepoRoot();
  const bundle = join(repo, 'apps', 'news-producer', 'dist', 'main.js');
  if (!existsSync(bundle))
    throw new Error(`${bundle} missing: run npx nx build news-producer (make bench does)`);
  const clock = Date.parse('2025-09-23T00:00:00Z');
  const symbols = Array.from({ length: 40 }, (_, i) => `SYN${String(i).padStart(4, '0')}`);
  // 40 symbols, one article a minute each, over 30 hours: ~72,000 records of ~1 KB.
  const sandbox = await startFmpSandbox({
    apiKey: 'bench',
    ratePerMin: 100_000,
    // Text sized so a record (the envelope with the item) is about 1 KB, as the target states.
    news: { now: () => clock, intervalMs: 60_000, textBytes: 540, symbols },
  });
  const kinesis = await startKinesis();
  const direct = localKinesisClient(kinesis.url);
  const stream = streamName(NEWS_DELIVERY, 'bench');
  await ensureStream(direct, stream, 1);
  const proxy = await startLimitsProxy({ target: kinesis.url, client: direct });
  const lake = mkdtempSync(join(tmpdir(), 'bench-news-'));
  const bronze = new LocalZoneStore('bronze', join(lake, 'bronze'));
  const landedAt = new Map<string, number>();
  const firehose = new LocalFirehose({
    kinesis: direct,
    streamName: stream,
    deliveryStreamName: deliveryStreamName(NEWS_DELIVERY, 'bench'),
    delivery: NEWS_DELIVERY,
    bronze,
    stateFile: join(lake, 'firehose.json'),
    onDelivered: (o) => landedAt.set(o.key, Date.now()),
  });
  try {
    await firehose.start();
    const since = new Date(clock - 30 * 3600_000).toISOString();
    // The contract's command, with the built bundle for the image's /app/main.js.
    const [, ...flags] = SERVICES.newsProducer.command.slice(0, -1);
    const child = spawn(process.execPath, [...flags, bundle], {
      env: {
        PATH: process.env.PATH,
        FMP_API_KEY: 'bench',
        FMP_BASE_URL: sandbox.url,
        FMP_RATE_LIMIT_PER_MIN: '3000',
        FINLAKE_LAKE_ROOT: lake,
        FINLAKE_AWS_ENDPOINT_URL: proxy.url,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        KINESIS_STREAM_NAME: stream,
        NEWS_SYMBOLS: symbols.join(','),
        NEWS_SINCE: since,
        NEWS_POLL_INTERVAL_MS: '1000',
        NEWS_MAX_PAGES: '100',
        HEALTH_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    let peakKb = 0;
    const rss = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 200);
    // Done when a checkpoint exists (the whole backlog is delivered) and the queue has drained.
    const checkpoint = join(lake, 'bronze', '_checkpoints');
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const started = Date.now();
    while (!existsSync(checkpoint) && Date.now() - started < 300_000)
      await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const code = await exited;
    clearInterval(rss);
    if (code !== 0) throw new Error(`producer exited ${code}: ${log.slice(-2000)}`);
    await firehose.stop();
    await firehose.drainNow();

    // Sustained rate: admitted records per second over the seconds the producer was saturating the shard
    // (the first and last second of the run are partial).
    const perSecond = [...proxy.stats.admittedPerSecond.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, n]) => n);
    const inner = perSecond.slice(1, -1);
    const sustained = inner.reduce((a, b) => a + b, 0) / Math.max(1, inner.length);

    // What arrived against what the feed holds.
    const root = join(lake, 'bronze', streamLandingPrefix(NEWS_DELIVERY));
    const files = readdirSync(root, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.gz'));
    const delivered = new Map<string, number>();
    const latencies: number[] = [];
    let bytes = 0;
    for (const f of files) {
      const key = `${streamLandingPrefix(NEWS_DELIVERY)}${f}`;
      for (const line of gunzipSync(readFileSync(join(root, f)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)) {
        const r = JSON.parse(line) as { article_id: string; fetched_at: string };
        delivered.set(r.article_id, (delivered.get(r.article_id) ?? 0) + 1);
        bytes += line.length + 1;
        const at = landedAt.get(key);
        if (at) latencies.push(at - Date.parse(r.fetched_at));
      }
    }
    const want = new Set<string>();
    const wantItems = new Map<string, unknown>();
    for (const symbol of symbols)
      for (let page = 0; page <= 100; page++) {
        const r = await fetch(
          `${sandbox.url}/stable/news/stock?symbols=${symbol}&from=${since.slice(0, 10)}&page=${page}&limit=250&apikey=bench`,
        );
        const items = (await r.json()) as Record<string, unknown>[];
        // Articles since the first watermark (14:00 New York); one without a readable date has no place
        // against it, so it is counted only when it arrives (and then rejected by silver).
        for (const i of items)
          if (
            typeof i.publishedDate === 'string' &&
            /^\d{4}-/.test(i.publishedDate) &&
            i.publishedDate >= '2025-09-21 14:00:00'
          ) {
            const id = createHash('sha256')
              .update(`${String(i.symbol ?? '')}|${String(i.url ?? '')}`)
              .digest('hex');
            want.add(id);
            wantItems.set(id, i);
          }
        if (items.length < 250) break;
      }
    const lost = [...want].filter((id) => !delivered.has(id)).length;
    const records = [...delivered.values()].reduce((a, b) => a + b, 0);

    // Silver: one batch over all of it.
    const py = join(repo, '.venv', 'bin', 'python');
    const batch = spawnSync(
      py,
      [
        '-m',
        'finlake_glue.job',
        '--dataset',
        'fmp_news',
        '--bronze_uri',
        join(lake, 'bronze'),
        '--silver_uri',
        join(lake, 'silver'),
        '--run_id',
        'bench',
      ],
      { encoding: 'utf8' },
    );
    if (batch.status !== 0) throw new Error(batch.stderr);
    const summary = JSON.parse(
      readFileSync(join(lake, 'silver', '_runs', 'fmp_news', 'run_id=bench.json'), 'utf8'),
    );
    const counted = spawnSync(
      py,
      [
        '-c',
        'import duckdb, json, sys; s = sys.argv[1]; r = duckdb.sql(f"select count(*), count(distinct article_id) from read_parquet(\'{s}/fmp_news/*/*.parquet\')").fetchone(); j = duckdb.sql(f"select count(distinct coalesce(article_id, source_object || record_index)) from read_parquet(\'{s}/{sys.argv[2]}*/*.parquet\')").fetchone(); print(json.dumps({"rows": r[0], "ids": r[1], "rejectedIds": j[0]}))',
        join(lake, 'silver'),
        silverRejectsPrefix('fmp_news'),
      ],
      { encoding: 'utf8' },
    );
    if (counted.status !== 0) throw new Error(counted.stderr);
    const silverRows = JSON.parse(counted.stdout) as { rows: number; ids: number; rejectedIds: number };

    const compaction = JSON.parse(
      spawnSync(
        py,
        [join(repo, 'apps', 'glue-bronze-to-silver', 'bench', 'bench_compaction.py'), '10000', '3'],
        {
          encoding: 'utf8',
          cwd: repo,
        },
      ).stdout,
    );
    const peakMb = peakKb / 1024;
    const speedup = compaction.scan_small_files_s / compaction.scan_compacted_s;
    const measurements: Measurement[] = [
      {
        name: 'sustained put rate, one shard',
        value: sustained,
        unit: 'records/s',
        baseline: { name: "a shard's write limit", value: SHARD_RECORDS_PER_S },
        ratio: sustained / SHARD_RECORDS_PER_S,
        target: '>= 0.90 of the limit',
        pass: sustained / SHARD_RECORDS_PER_S >= 0.9,
        note: `${proxy.stats.throttled} entries throttled and resent; mean record ${Math.round(bytes / Math.max(1, records))} B`,
      },
      {
        name: 'articles lost',
        value: lost,
        unit: 'articles',
        target: '0',
        pass: lost === 0,
        note: `${want.size} in the feed, ${records} records delivered (${records - delivered.size} duplicates)`,
      },
      {
        name: 'duplicates left in silver',
        value: silverRows.rows - silverRows.ids,
        unit: 'rows',
        target: '0',
        pass: silverRows.rows === silverRows.ids && silverRows.ids + silverRows.rejectedIds >= delivered.size,
        note: `${silverRows.ids} articles in silver, ${silverRows.rejectedIds} invalid ones in rejects, of ${delivered.size} delivered ids`,
      },
      {
        name: 'producer peak RSS',
        value: peakMb,
        unit: 'MB',
        target: '<= 200 MB',
        pass: peakMb <= 200,
      },
      {
        name: 'delivery latency p50 (fetch -> bronze object)',
        value: quantile(latencies, 0.5) / 1000,
        unit: 's',
        target: 'reported (local buffering)',
        pass: true,
        note: `p95 ${(quantile(latencies, 0.95) / 1000).toFixed(2)} s; buffering ${NEWS_DELIVERY.buffering.local.sizeMiB} MiB / ${NEWS_DELIVERY.buffering.local.intervalSeconds} s`,
      },
      {
        name: 'one day scanned after compaction',
        value: compaction.scan_compacted_s,
        unit: 's',
        baseline: {
          name: `the same day in ${compaction.files_before} small files`,
          value: compaction.scan_small_files_s,
        },
        ratio: speedup,
        target: '>= 10x faster',
        pass: speedup >= 10,
        note: `${compaction.files_before} files / ${compaction.bytes_before} B -> ${compaction.files_after} / ${compaction.bytes_after} B, compaction ${compaction.compaction_s.toFixed(1)} s`,
      },
    ];
    const lostSample = [...want]
      .filter((id) => !delivered.has(id))
      .slice(0, 5)
      .map((id) => wantItems.get(id));
    return {
      benchmark: 'news-stream',
      measurements,
      context: {
        symbols: symbols.length,
        records,
        files: files.length,
        batch: summary,
        lost_sample: lostSample,
        producer_log_tail: log.slice(-1500),
      },
    };
  } finally {
    await proxy.close();
    await kinesis.close();
    await sandbox.close();
    rmSync(lake, { recursive: true, force: true });
  }
}
