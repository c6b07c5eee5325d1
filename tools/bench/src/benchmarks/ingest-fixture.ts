import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFmpSandbox } from '@finlake/fmp-sandbox';
import { findRepoRoot } from '@finlake/lake';

export const ingesterBundle = () => join(findRepoRoot(), 'apps', 'fmp-ingester', 'dist', 'main.js');

/** Lands `symbols` synthetic symbols x [from, to] in `<lakeRoot>/bronze` through the real connector and sandbox. */
export async function landSyntheticBronze(
  lakeRoot: string,
  symbols: number,
  from: string,
  to: string,
): Promise<void> {
  const bundle = ingesterBundle();
  if (!existsSync(bundle))
    throw new Error(`${bundle} missing: run npx nx build fmp-ingester (make bench does)`);
  const sandbox = await startFmpSandbox({ apiKey: 'bench-key', ratePerMin: 1_000_000 });
  try {
    const list = Array.from({ length: symbols }, (_, i) => `SYN${String(i).padStart(4, '0')}`).join(',');
    const child = spawn(
      process.execPath,
      [bundle, '--symbols', list, '--from', from, '--to', to, '--run-id', 'bench-fixture'],
      {
        env: {
          PATH: process.env.PATH,
          FINLAKE_LAKE_ROOT: lakeRoot,
          FMP_API_KEY: 'bench-key',
          FMP_BASE_URL: sandbox.url,
          FMP_RATE_LIMIT_PER_MIN: '3000',
        },
        stdio: 'ignore',
      },
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`landing the bench fixture failed (exit ${code})`);
  } finally {
    await sandbox.close();
  }
}
