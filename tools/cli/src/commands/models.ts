import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { findRepoRoot } from '@finlake/lake';

/** Runs dbt (through dbt/scripts/dbt.sh, the locked environment and the committed profiles). */
export async function runDbt(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn('bash', [join(findRepoRoot(), 'dbt', 'scripts', 'dbt.sh'), ...args], {
    stdio: 'inherit',
    env,
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

/** `finlake models build|test|docs`: the dbt project on the local target (DuckDB over the lake). */
export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('the dbt project (gold): DuckDB locally, Athena in AWS');
  models
    .command('build')
    .description('dbt build on the local target: seeds, models, unit and data tests')
    .option('--select <selector>', 'dbt node selection, e.g. daily_portfolio_summary+')
    .option('--target <name>', 'dbt target (local, dev, staging, prod)', 'local')
    .action(async (opts) => {
      process.exitCode = await runDbt([
        'build',
        '--target',
        opts.target,
        ...(opts.select ? ['--select', opts.select] : []),
      ]);
    });
  models
    .command('docs')
    .description('generate dbt docs (dbt/target/index.html)')
    .action(async () => {
      process.exitCode = await runDbt(['docs', 'generate', '--target', 'local']);
    });
  models
    .command('freshness')
    .description('check the silver source freshness (ingested_at)')
    .action(async () => {
      process.exitCode = await runDbt(['source', 'freshness', '--target', 'local']);
    });
}
