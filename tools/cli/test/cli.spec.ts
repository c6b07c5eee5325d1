import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { deadLetterKey, FMP_NEWS, GOVERNANCE, NEWS_DELIVERY, streamLandingPrefix } from '@finlake/platform';

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

  it('refuses a news clock that is not an ISO instant, naming the flag and the form', () => {
    const r = run('sandbox', 'fmp', '--news-clock', 'yesterday');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--news-clock "yesterday" is not an ISO instant, e.g. 2026-12-01T17:00:00Z/);
  });

  it('serves a news feed frozen at --news-clock: nothing after it, and the same answer twice', async () => {
    const child = spawn(process.execPath, [
      bin,
      'sandbox',
      'fmp',
      '--port',
      '0',
      '--news-clock',
      '2026-12-01T17:00:00Z',
    ]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (b: Buffer) => resolve(JSON.parse(b.toString().split('\n')[0]!).url));
        child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
      });
      const latest = async () =>
        (await (
          await fetch(`${url}/stable/news/stock-latest?page=0&limit=50&apikey=sandbox-key`)
        ).json()) as {
          publishedDate: unknown;
        }[];
      const first = await latest();
      // 12:00 in New York is the clock; FMP's publishedDate is New York local time.
      const stamps = first
        .map((a) => a.publishedDate)
        .filter((d): d is string => typeof d === 'string' && /^\d{4}-/.test(d));
      expect(stamps.length).toBeGreaterThan(10);
      expect(stamps.every((d) => d <= '2026-12-01 12:00:00')).toBe(true);
      expect(stamps.some((d) => d >= '2026-12-01 10:00:00')).toBe(true);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await latest()).toEqual(first);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);

  it('gathers one run`s logs, and refuses what is not a run id with the reason', () => {
    const r = spawnSync(process.execPath, [bin, 'logs', 'not-a-run'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, FINLAKE_LAKE_ROOT: mkdtempSync(join(tmpdir(), 'cli-logs-')) },
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/'not-a-run' is not a run id/);
    expect(run('logs', '--help').stdout).toMatch(/every log line of one run/);
  });

  it('mints a token that reads restricted columns only when asked', () => {
    const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString());
    const env = { ...process.env, FINLAKE_LAKE_ROOT: mkdtempSync(join(tmpdir(), 'cli-token-')) };
    const mint = (...extra: string[]) =>
      spawnSync(process.execPath, [bin, 'token', '--sub', 'a', '--portfolios', 'P001', ...extra], {
        encoding: 'utf8',
        env,
      }).stdout.trim();
    expect(claims(mint()).scope).toBe('summary:read');
    expect(claims(mint('--restricted')).scope).toBe(`summary:read ${GOVERNANCE.restrictedScope}`);
  });

  it('replays the dead-letter area through the local stream into bronze, once', () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-replay-'));
    const record = JSON.stringify({
      article_id: 'a'.repeat(64),
      fetched_at: '2025-09-22T14:00:00.000Z',
      item: '{}',
    });
    const key = deadLetterKey(FMP_NEWS, '2025-09-22', 'news-producer-1-x');
    mkdirSync(dirname(join(root, 'bronze', key)), { recursive: true });
    writeFileSync(
      join(root, 'bronze', key),
      `${JSON.stringify({ article_id: 'a'.repeat(64), partition_key: 'AAPL', error_code: 'InternalFailure', tries: 8, record })}\n`,
    );
    const replay = () =>
      spawnSync(process.execPath, [bin, 'news', 'replay-dead-letters'], {
        encoding: 'utf8',
        timeout: 180_000,
        env: { ...process.env, FINLAKE_LAKE_ROOT: root },
      });
    const first = replay();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/1 records in 1 objects delivered/);
    const landed = readdirSync(join(root, 'bronze', streamLandingPrefix(NEWS_DELIVERY)), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.gz'));
    const lines = landed.flatMap((f) =>
      gunzipSync(readFileSync(join(root, 'bronze', streamLandingPrefix(NEWS_DELIVERY), f)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean),
    );
    expect(lines).toEqual([record]);
    expect(existsSync(join(root, 'bronze', `${key}.replayed`))).toBe(true);
    const second = replay();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/0 records in 0 objects delivered/);
  });
});
