import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', 'bin', 'finlake.mjs');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('finlake CLI (the installed bin, as a real process)', () => {
  it('prints usage listing its commands with --help and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: finlake/);
    expect(r.stdout).toMatch(/doctor/);
  });

  it('rejects an unknown command with usage and a non-zero exit', () => {
    const r = run('frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(r.stderr).toMatch(/Usage: finlake/);
  });

  it('rejects a bad flag with usage and a non-zero exit', () => {
    const r = run('doctor', '--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });
});
