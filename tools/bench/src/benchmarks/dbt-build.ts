import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import type { BenchResult } from '../report.ts';

/**
 * `dbt build` on the bundled real sample (silver from the sample, as the dbt tests make it).
 * Target: <= 30 s on this machine. Baseline, same run: `dbt parse` of the same project, the fixed
 * cost of starting dbt, so the ratio says how much of the build is the models' own work.
 */
export async function benchDbtBuild(): Promise<BenchResult> {
  const root = findRepoRoot();
  const lake = mkdtempSync(join(tmpdir(), 'bench-dbt-'));
  const python = join(root, '.venv', 'bin', 'python');
  const timed = (args: string[]) => {
    const started = process.hrtime.bigint();
    const r = spawnSync('bash', [join(root, 'dbt', 'scripts', 'dbt.sh'), ...args], {
      env: {
        ...process.env,
        FINLAKE_LAKE_ROOT: lake,
        FINLAKE_GOLD_CANDIDATE_DIR: join(lake, 'gold', 'candidate'),
      },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`dbt ${args.join(' ')} failed: ${r.stdout.slice(-2000)}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  try {
    const seed = spawnSync(
      python,
      [
        '-c',
        `import sys; sys.path.insert(0, "${join(root, 'dbt', 'pytests')}"); from conftest import write_silver; from datetime import datetime, UTC; from pathlib import Path; write_silver(Path("${lake}"), datetime.now(UTC))`,
      ],
      { encoding: 'utf8' },
    );
    if (seed.status !== 0) throw new Error(`writing the sample silver failed: ${seed.stderr}`);
    const parse = timed(['parse', '--target', 'local']);
    const build = timed(['build', '--target', 'local']);
    return {
      benchmark: 'dbt-build',
      context: { lake },
      measurements: [
        {
          name: 'dbt build on the bundled sample',
          value: build,
          unit: 's',
          baseline: { name: 'dbt parse', value: parse },
          ratio: build / parse,
          target: '<= 30 s',
          pass: build <= 30,
        },
      ],
    };
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
}
