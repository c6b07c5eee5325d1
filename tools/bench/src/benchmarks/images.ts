import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import type { BenchResult, Measurement } from '../report.ts';

// What an app may add to its base: a Node service is its bundle; a Python one its locked environment.
const ADDED_MB: Record<string, number> = {
  'fmp-ingester': 50,
  'blocks-sync': 50,
  'news-producer': 50,
  flows: 400,
  dbt: 400,
};

/**
 * `make images` (tools/scripts/images.sh) timed, and every image's size against the base it is built
 * on, measured in the same run. A warm run rebuilds only what changed; the first build on a machine
 * pays the bases and dependency installs once (see the build logs in dist/images/).
 */
export async function benchImages(): Promise<BenchResult> {
  const root = findRepoRoot();
  const started = process.hrtime.bigint();
  const build = spawnSync('bash', [join(root, 'tools', 'scripts', 'images.sh')], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (build.status !== 0) throw new Error(`make images failed:\n${build.stderr.slice(-2000)}`);
  const sizes = JSON.parse(readFileSync(join(root, 'dist', 'images', 'sizes.json'), 'utf8')) as Record<
    string,
    { bytes: number; base: string; base_bytes: number }
  >;
  const measurements: Measurement[] = Object.entries(sizes).map(([app, s]) => {
    const added = (s.bytes - s.base_bytes) / 1e6;
    const limit = ADDED_MB[app] ?? 100;
    return {
      name: `${app} image`,
      value: s.bytes / 1e6,
      unit: 'MB',
      baseline: { name: s.base, value: s.base_bytes / 1e6 },
      ratio: s.bytes / s.base_bytes,
      target: `adds <= ${limit} MB to its base`,
      pass: added <= limit,
      note: `+${added.toFixed(0)} MB`,
    };
  });
  measurements.push({
    name: 'make images (this run: cached layers reused)',
    value: seconds,
    unit: 's',
    target: 'reported',
    pass: true,
  });
  return { benchmark: 'images', context: { sizes }, measurements };
}
