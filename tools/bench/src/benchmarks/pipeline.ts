import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import type { BenchResult } from '../report.ts';

/**
 * The demo's main job end to end on the bundled sample (sandbox, connector, Spark, dbt, gate,
 * publish), as `make demo` runs it after setup. Target: <= 3 min. The baseline, same run, is the
 * time inside the flow's stages, so the ratio shows the fixed cost around them (Prefect's temporary
 * API, process starts).
 */
export async function benchPipeline(): Promise<BenchResult> {
  const root = findRepoRoot();
  const lake = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  try {
    const started = process.hrtime.bigint();
    const r = spawnSync('bash', [join(root, 'tools', 'scripts', 'demo.sh')], {
      env: { ...process.env, FINLAKE_LAKE_ROOT: lake },
      encoding: 'utf8',
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`demo failed: ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
    const report = JSON.parse(readFileSync(join(lake, '_state', 'demo', 'report.json'), 'utf8'));
    const stages = Object.values(report.stage_seconds as Record<string, number>).reduce((a, b) => a + b, 0);
    return {
      benchmark: 'pipeline',
      context: { stage_seconds: report.stage_seconds, run_id: report.run_id },
      measurements: [
        {
          name: 'sample pipeline end to end',
          value: wall,
          unit: 's',
          baseline: { name: 'time inside the stages', value: stages },
          ratio: wall / stages,
          target: '<= 180 s',
          pass: wall <= 180,
        },
      ],
    };
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
}
