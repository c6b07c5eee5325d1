import type { Command } from 'commander';
import { flag, isoDate } from '../options.ts';
import { repoPython, runAttached } from '../process.ts';

/** Runs the Prefect flows' CLI (apps/flows) in the locked Python environment. */
export function runFlows(args: string[]): Promise<number> {
  return runAttached(repoPython(), ['-m', 'finlake_flows.cli', ...args]);
}

/** `finlake pipeline run` and `finlake backfill`: the platform's main job, locally. */
export function registerPipeline(program: Command): void {
  const pipeline = program
    .command('pipeline')
    .description('the master pipeline: ingest -> clean -> dbt -> quality gate -> publish');
  pipeline
    .command('run')
    .description('run master-fmp-pipeline once (Prefect without a server unless PREFECT_API_URL is set)')
    .option('--from <date>', 'first date (default: the last completed trading day)', isoDate('--from'))
    .option('--to <date>', 'last date', isoDate('--to'))
    .option('--symbols <list>', 'comma-separated tickers (default: FINLAKE_SYMBOLS or the bundled sample)')
    .option('--no-publish', 'build and test gold but do not publish it')
    .action(async (opts) => {
      process.exitCode = await runFlows([
        'pipeline',
        ...flag('--from', opts.from),
        ...flag('--to', opts.to),
        ...flag('--symbols', opts.symbols),
        ...(opts.publish ? [] : ['--no-publish']),
      ]);
    });
  pipeline
    .command('source')
    .description(
      'run source-to-silver for a declared batch source (one `nx g @finlake/workspace:source` added)',
    )
    .argument('<table>', 'its silver table, e.g. fmp_dividends')
    .option('--from <date>', 'first date (default: the last completed trading day)', isoDate('--from'))
    .option('--to <date>', 'last date', isoDate('--to'))
    .option('--symbols <list>', 'comma-separated tickers (default: FINLAKE_SYMBOLS or the bundled sample)')
    .action(async (table: string, opts) => {
      process.exitCode = await runFlows([
        'source',
        table,
        ...flag('--from', opts.from),
        ...flag('--to', opts.to),
        ...flag('--symbols', opts.symbols),
      ]);
    });
  program
    .command('backfill')
    .description(
      'run fmp-backfill: symbols split into concurrent groups (calls planned by the row cap), one silver run, dbt, the gate and publish',
    )
    .requiredOption('--from <date>', 'first date', isoDate('--from'))
    .requiredOption('--to <date>', 'last date', isoDate('--to'))
    .option('--symbols <list>', 'comma-separated tickers')
    .option('--concurrency <n>', 'symbol groups ingested at once (1-8)', '2')
    .option('--fill-gaps', 'fetch only what bronze does not hold yet for each symbol')
    .action(async (opts) => {
      process.exitCode = await runFlows([
        'backfill',
        '--from',
        opts.from,
        '--to',
        opts.to,
        '--concurrency',
        opts.concurrency,
        ...flag('--symbols', opts.symbols),
        ...(opts.fillGaps ? ['--fill-gaps'] : []),
      ]);
    });
}
