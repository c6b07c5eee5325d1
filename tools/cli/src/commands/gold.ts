import type { Command } from 'commander';
import { runFlows } from './pipeline.ts';
import { flag } from '../options.ts';

/** `finlake gold rollback`: serve an earlier published version of gold again (locally or, with FINLAKE_RUNNER=aws, in AWS). */
export function registerGold(program: Command): void {
  const gold = program.command('gold').description('the published gold (write-audit-publish)');
  gold
    .command('rollback')
    .description(
      'serve an earlier published version again: locally republish its candidate; with FINLAKE_RUNNER=aws, switch the served Glue table back to its location',
    )
    .option('--to-run <run>', 'the run whose gold to serve (default: the version before the current one)')
    .action(async (opts) => {
      process.exitCode = await runFlows(['rollback', ...flag('--to-run', opts.toRun)]);
    });
}
