import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The deployable artefact: one esbuild bundle, run the way the container runs it.
const bundle = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [bundle, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 30_000,
  });

describe('fmp-ingester bundle', () => {
  it('exists (built by the build target this test depends on)', () => {
    expect(existsSync(bundle), `${bundle} missing: run npx nx build fmp-ingester`).toBe(true);
  });

  it('prints usage with --help and exits 0, without node_modules', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: fmp-ingester --symbols/);
  });

  it('exits 2 with the problem on bad arguments, and 78 on bad configuration', () => {
    const bad = run(['--symbols', 'not a ticker']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid ticker/);
    const config = run(['--symbols', 'AAPL'], { FMP_RATE_LIMIT_PER_MIN: '0' });
    expect(config.status).toBe(78);
    expect(config.stderr).toMatch(/FMP_RATE_LIMIT_PER_MIN: "0" is invalid/);
  });
});
