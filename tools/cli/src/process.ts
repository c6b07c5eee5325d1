import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot, openLake } from '@finlake/lake';
import { runIdFromEnv } from '@finlake/logging';

/** Runs a command with the terminal attached, forwarding Ctrl-C / SIGTERM; resolves to its exit code. */
export async function runAttached(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const child = spawn(command, args, { stdio: 'inherit', env, cwd: findRepoRoot() });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

/** The repo's locked Python interpreter, or a clear error saying how to install it. */
export function repoPython(): string {
  const python = join(findRepoRoot(), '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error(`${python} not found: run make setup`);
  return python;
}

/** The Glue job on this machine over the lake FINLAKE_LAKE_ROOT / FINLAKE_*_URI describe: one dataset, one mode. */
export function runGlueJob(dataset: string, mode: string, runId: string | undefined, extra: string[] = []) {
  const lake = openLake();
  return runAttached(repoPython(), [
    '-m',
    'finlake_glue.job',
    '--dataset',
    dataset,
    '--bronze_uri',
    lake.bronze.uri(),
    '--silver_uri',
    lake.silver.uri(),
    '--run_id',
    runId ?? runIdFromEnv(),
    '--mode',
    mode,
    ...extra,
  ]);
}
