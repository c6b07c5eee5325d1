import { join } from 'node:path';
import type { Command } from 'commander';
import { findRepoRoot } from '@finlake/lake';
import { runAttached } from '../process.ts';
import { flag } from '../options.ts';

/** Runs dbt (through dbt/scripts/dbt.sh, the locked environment and the committed profiles). */
export function runDbt(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runAttached('bash', [join(findRepoRoot(), 'dbt', 'scripts', 'dbt.sh'), ...args], env);
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
      process.exitCode = await runDbt(['build', '--target', opts.target, ...flag('--select', opts.select)]);
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
