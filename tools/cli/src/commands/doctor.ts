import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { findRepoRoot } from '@finlake/lake';

/** `finlake doctor`: checks the toolchain (Node 20, Python 3.11, Java 17, the envs) and says what to install. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the local toolchain (Node 20, Python 3.11, Java 17, installed environments)')
    .action(() => {
      const script = join(findRepoRoot(), 'tools', 'scripts', 'check-toolchain.sh');
      const r = spawnSync('bash', [script, '--all'], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
}
