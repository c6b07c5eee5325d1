import type { Command } from 'commander';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import { repoPython, runAttached } from '../process.ts';

/** `finlake twin`: the platform's deployed shape on this machine (tools/twin; needs `make images`). */
export function registerTwin(program: Command): void {
  program
    .command('twin')
    .description(
      'run the AWS twin: the rendered stack in moto (IAM enforced), the real images and Lambda zips, one line per seam',
    )
    .option('--stack <stack>', 'the stack to render and run: dev, staging or prod', 'staging')
    .action(async (opts) => {
      const env = { ...process.env, PYTHONPATH: join(findRepoRoot(), 'tools', 'twin') };
      process.exitCode = await runAttached(repoPython(), ['-m', 'aws_twin', '--stack', opts.stack], env);
    });
}
