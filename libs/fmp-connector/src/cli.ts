import { SingleBar } from 'cli-progress';
import { ConfigError } from '@finlake/config';
import { openLake } from '@finlake/lake';
import { createLogger, runIdFromEnv, type Logger } from '@finlake/logging';
import { parseIngestArgs, USAGE, UsageError } from './args.ts';
import { FmpClient } from './client.ts';
import { fmpClientOptions, loadIngesterConfig, resolveApiKey } from './config.ts';
import { splitWindow } from './datasets.ts';
import { runIngestion, type IngestSummary } from './run.ts';

export const EXIT = { ok: 0, unitsFailed: 1, usage: 2, fatalAuth: 3, config: 78 } as const;

function printSummary(s: IngestSummary, out: NodeJS.WritableStream) {
  const lines = [
    `fmp-ingester ${s.dataset} ${s.from}..${s.to}: ${s.landed}/${s.units} units landed, ${s.failed} failed, ${s.skipped} skipped; ${s.rows} rows; ${s.http_attempts} HTTP calls`,
    `  manifest: bronze/${s.manifest_key}`,
  ];
  if (s.fatal) lines.push(`  FATAL: ${s.fatal}`);
  for (const o of s.outcomes.filter((x) => x.status === 'failed').slice(0, 20)) {
    lines.push(`  failed ${o.symbol} ${o.from}..${o.to}: ${o.error}`);
  }
  if (s.failed > 20) lines.push(`  ... and ${s.failed - 20} more failed units (see the manifest)`);
  out.write(`${lines.join('\n')}\n`);
}

/** The connector's entry point (container CMD and `npx finlake ingest fmp`); returns the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args;
  try {
    args = parseIngestArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`fmp-ingester: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  let logger: Logger | undefined;
  try {
    const config = loadIngesterConfig(env);
    const runId = args.runId ?? runIdFromEnv(env);
    logger = createLogger({ service: 'fmp-ingester', environment: env, pretty: false }).child({
      run_id: runId,
    });
    const apiKey = await resolveApiKey(config, env);
    const lake = openLake(env);
    const abort = new AbortController();
    const client = new FmpClient({
      ...fmpClientOptions(config, apiKey),
      signal: abort.signal,
      onRetry: ({ unit, attempt, delayMs, error }) =>
        logger!.warn(
          {
            symbol: unit.symbol,
            from: unit.from,
            to: unit.to,
            attempt,
            delay_ms: delayMs,
            reason: error.message,
          },
          'retrying',
        ),
    });
    const totalUnits =
      args.symbols.length * splitWindow(args.from, args.to, args.dataset.maxDaysPerCall).length;
    const bar = process.stderr.isTTY
      ? new SingleBar({
          format: 'fmp {bar} {value}/{total} units | {eta_formatted} left',
          stream: process.stderr,
        })
      : undefined;
    bar?.start(totalUnits, 0);
    logger.info(
      {
        dataset: args.dataset.name,
        symbols: args.symbols.length,
        from: args.from,
        to: args.to,
        units: totalUnits,
        rate_per_min: config.ratePerMin,
        concurrency: config.concurrency,
        base_url: config.baseUrl,
        bronze: lake.bronze.uri(),
      },
      'ingestion started',
    );
    const summary = await runIngestion(
      {
        dataset: args.dataset,
        symbols: args.symbols,
        from: args.from,
        to: args.to,
        handoff: args.handoff,
        fillGaps: args.fillGaps,
      },
      {
        client,
        bronze: lake.bronze,
        logger,
        runId,
        concurrency: config.concurrency,
        abort,
        onUnitDone: () => bar?.increment(),
      },
    );
    bar?.stop();
    const { outcomes: _omit, run_id: _logged, ...totals } = summary;
    logger.info(
      { ...totals, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) },
      'ingestion finished',
    );
    printSummary(summary, process.stderr);
    if (summary.fatal) return EXIT.fatalAuth;
    return summary.failed + summary.skipped > 0 ? EXIT.unitsFailed : EXIT.ok;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.config;
    }
    logger?.error({ err }, 'ingestion crashed');
    process.stderr.write(`fmp-ingester: ${(err as Error).message}\n`);
    return EXIT.unitsFailed;
  }
}
