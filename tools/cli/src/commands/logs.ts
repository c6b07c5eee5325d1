import type { Command } from 'commander';
import { runFlows } from './pipeline.ts';

/** `finlake logs <run-id>`: every line of one run, across its subflows and stage processes. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description(
      "every log line of one run (its subflows, tasks and the stages' relayed lines), in time order, from the Prefect API",
    )
    .argument('<run-id>', "the run id (the flow run's id, as alerts and run reports name it)")
    .option('--json', 'one JSON object per line')
    .action(async (runId: string, opts) => {
      process.exitCode = await runFlows(['logs', runId, ...(opts.json ? ['--json'] : [])]);
    });
}
