import { InvalidArgumentError, type Command } from 'commander';
import { GENERATED_SOURCES } from '@finlake/platform';
import { flag, isoDate } from '../options.ts';
import { runGlueJob } from '../process.ts';
import { registerNewsSilver } from './news.ts';

/**
 * `finlake transform fmp`: the bronze-to-silver Glue job on local Spark (same script, same
 * arguments as on AWS Glue), over the lake that FINLAKE_LAKE_ROOT / FINLAKE_*_URI describe.
 */
export function registerTransform(program: Command): void {
  const transform = program
    .command('transform')
    .description('bronze -> silver (the Glue job: Spark for prices, Arrow for the news stream)');
  transform
    .command('fmp')
    .description('type, validate and deduplicate FMP end-of-day prices into silver fmp_eod_prices')
    .option('--from <date>', 'first trade date of the window (widened to whole months)', isoDate('--from'))
    .option('--to <date>', 'last trade date of the window', isoDate('--to'))
    .option('--full', 'reprocess every bronze object instead of a window')
    .option('--symbols <list>', 'only these symbols (comma-separated)')
    .option('--run-id <id>', 'run id (default: PREFECT__FLOW_RUN_ID, else generated)')
    .action(async (opts) => {
      if (!opts.full && (!opts.from || !opts.to))
        throw new InvalidArgumentError('give --from and --to, or --full');
      process.exitCode = await runGlueJob('fmp_eod_prices', opts.full ? 'full' : 'window', opts.runId, [
        ...(opts.full ? [] : ['--from', opts.from, '--to', opts.to]),
        ...flag('--symbols', opts.symbols),
      ]);
    });
  // Every source `nx g @finlake/workspace:source` added (batch or streamed), on the job's contract path.
  transform
    .command('dataset')
    .description('rebuild a generated source (batch or streamed) from bronze into its silver table')
    .argument(
      '<table>',
      `the silver table (${GENERATED_SOURCES.map((d) => d.silverTable).join(', ') || 'none declared yet'})`,
    )
    .option('--run-id <id>', 'run id (default: PREFECT__FLOW_RUN_ID, else generated)')
    .action(async (table: string, opts) => {
      if (!GENERATED_SOURCES.some((d) => d.silverTable === table))
        throw new InvalidArgumentError(
          `${JSON.stringify(table)} is not a generated source; declared: ${GENERATED_SOURCES.map((d) => d.silverTable).join(', ') || 'none (nx g @finlake/workspace:source adds one)'}`,
        );
      process.exitCode = await runGlueJob(table, 'full', opts.runId);
    });
  registerNewsSilver(transform, program);
}
