import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, relative, sep, dirname } from 'node:path';
import { LocalZoneStore } from '@finlake/lake';
import { createLogger } from '@finlake/logging';
import { Writable } from 'node:stream';
import {
  bronzeKey,
  FmpClient,
  historicalPriceEod,
  runIngestion,
  sidecarKey,
  type IngestSummary,
} from '../src/index.ts';
import { FINLAKE_BIN, startSandbox, type SandboxProcess } from './support/sandbox-process.ts';
import { FMP_EOD_PRICES, manifestsPrefix } from '@finlake/platform';
import { compileValidator, ingestManifest } from '@finlake/schemas';

const MANIFESTS = manifestsPrefix(FMP_EOD_PRICES);

const SAMPLE = ['AAPL', 'AMZN', 'GOOG', '^GSPC', 'SPY', 'FB', 'NFLX'];
const quietLogger = () =>
  createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function files(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function ingest(
  sandbox: SandboxProcess,
  root: string,
  symbols: string[],
  window: { from: string; to: string; fillGaps?: boolean },
  overrides: Partial<ConstructorParameters<typeof FmpClient>[0]> = {},
  concurrency = 4,
): Promise<IngestSummary> {
  const abort = new AbortController();
  const client = new FmpClient({
    baseUrl: sandbox.url,
    apiKey: sandbox.apiKey,
    ratePerMin: 3000,
    timeoutMs: 1000,
    maxAttempts: 12,
    backoffBaseMs: 10,
    backoffCapMs: 200,
    maxRetryAfterMs: 1000,
    signal: abort.signal,
    ...overrides,
  });
  return runIngestion(
    { dataset: historicalPriceEod, symbols, ...window, handoff: 'event' },
    {
      client,
      bronze: new LocalZoneStore('bronze', join(root, 'bronze')),
      logger: quietLogger(),
      runId: 'test-run',
      concurrency,
      abort,
    },
  );
}

/** Every landed body equals what the sandbox served for that request, and its sidecar says so. */
async function expectByteIdentical(root: string, summary: IngestSummary, sandbox: SandboxProcess) {
  const served = (await sandbox.stats()).served;
  for (const o of summary.outcomes.filter((x) => x.status === 'landed')) {
    for (const key of o.keys) {
      const body = await readFile(join(root, 'bronze', key));
      const meta = JSON.parse(await readFile(join(root, 'bronze', sidecarKey(key)), 'utf8'));
      expect(meta.sha256).toBe(sha(body));
      expect(served[`${o.symbol}|${meta.from}|${meta.to}`], key).toContain(sha(body));
      expect(meta.url).not.toContain('apikey');
      expect(meta).toMatchObject({ run_id: 'test-run', status: 200, symbol: o.symbol });
    }
  }
}

describe('fmp-ingester against the FMP sandbox (real HTTP on 127.0.0.1)', () => {
  let sandbox: SandboxProcess;
  beforeAll(async () => {
    sandbox = await startSandbox(['--rate-per-min', '100000', '--premium', 'BRK.A']);
  });
  afterAll(() => sandbox?.stop());
  beforeEach(async () => {
    await sandbox.reset();
    await sandbox.setFaults({});
  });

  it('lands every unit byte for byte under every fault at realistic rates, and a rerun leaves the same objects', async () => {
    await sandbox.setFaults({
      rate429RetryAfter: 0.03,
      retryAfterSeconds: 1,
      rate429: 0.03,
      rate500: 0.02,
      rate502: 0.02,
      rate503: 0.02,
      rateReset: 0.02,
      rateTruncated: 0.03,
      rateErrorMessage200: 0.02,
      rateSlow: 0.03,
      slowMs: 1500,
    });
    const root = await mkdtemp(join(tmpdir(), 'ingest-'));
    const symbols = [...SAMPLE, 'SYN0001', 'SYN0002', 'SYN0003', 'SYN0004', 'SYN0005', 'NOPE'];
    const window = { from: '1999-01-01', to: '2020-12-31' };
    const first = await ingest(sandbox, root, symbols, window);
    expect(first).toMatchObject({
      units: symbols.length * 2,
      landed: symbols.length * 2,
      failed: 0,
      skipped: 0,
    });
    const stats = await sandbox.stats();
    expect(Object.keys(stats.faults).length, JSON.stringify(stats.faults)).toBeGreaterThanOrEqual(5);
    expect(first.http_attempts).toBeGreaterThan(first.units);
    await expectByteIdentical(root, first, sandbox);

    const objectsAfterFirst = (await files(join(root, 'bronze'))).filter((k) => !k.startsWith(MANIFESTS));
    expect(objectsAfterFirst).toHaveLength(first.units * 2); // one body + one sidecar per unit: no duplicates
    expect(objectsAfterFirst.some((k) => k.includes('.tmp-'))).toBe(false);

    // Digests, not Buffers: a deep equality over megabytes of Buffers walks them byte by byte (30 s here).
    const bodies = (keys: string[]) =>
      Promise.all(
        keys
          .filter((x) => x.endsWith('.json'))
          .map(async (k) => sha(await readFile(join(root, 'bronze', k)))),
      );
    const firstBodies = await bodies(objectsAfterFirst);
    const second = await ingest(sandbox, root, symbols, window);
    expect(second.landed).toBe(second.units);
    const objectsAfterSecond = (await files(join(root, 'bronze'))).filter((k) => !k.startsWith(MANIFESTS));
    expect(objectsAfterSecond).toEqual(objectsAfterFirst);
    // The rerun's bodies are what the sandbox served it, and the same bytes as the first run's.
    await expectByteIdentical(root, second, sandbox);
    expect(await bodies(objectsAfterSecond)).toEqual(firstBodies);
    const manifest: unknown = JSON.parse(await readFile(join(root, 'bronze', second.manifest_key), 'utf8'));
    // The manifest on disk is the contract the flows read (their TypedDicts are generated from it).
    const contract = compileValidator(ingestManifest);
    expect(contract.errors(manifest).map((e) => `${e.path} ${e.message}`)).toEqual([]);
    expect((manifest as IngestSummary).outcomes).toHaveLength(second.units);
  }, 60_000); // two paced runs under faults: about 3 s here, room for a busy 2-core machine

  it('filling gaps fetches only what bronze does not hold, and lands the same bytes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-gaps-'));
    await ingest(sandbox, root, ['AAPL'], { from: '2020-03-01', to: '2020-06-30' });
    const before = await files(join(root, 'bronze'));
    const s = await ingest(sandbox, root, ['AAPL', 'AMZN'], {
      from: '2020-01-01',
      to: '2020-12-31',
      fillGaps: true,
    });
    // AAPL: the months around the landed window; AMZN (nothing held): the whole year.
    expect(s.outcomes.map((o) => [o.symbol, o.from, o.to])).toEqual([
      ['AAPL', '2020-01-01', '2020-02-29'],
      ['AAPL', '2020-07-01', '2020-12-31'],
      ['AMZN', '2020-01-01', '2020-12-31'],
    ]);
    expect(s.http_attempts).toBe(3);
    const after = await files(join(root, 'bronze'));
    expect(after).toEqual(expect.arrayContaining(before)); // nothing held was fetched or replaced again
    await expectByteIdentical(root, s, sandbox);
  });

  it('filling gaps refetches a window whose landing failed after its body (no sidecar)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-gaps-'));
    await ingest(sandbox, root, ['AAPL'], { from: '2020-03-01', to: '2020-06-30' });
    const key = bronzeKey(historicalPriceEod, { symbol: 'AAPL', from: '2020-03-01', to: '2020-06-30' });
    await rm(join(root, 'bronze', sidecarKey(key))); // what a landing that died between its two writes leaves
    const s = await ingest(sandbox, root, ['AAPL'], { from: '2020-03-01', to: '2020-06-30', fillGaps: true });
    expect(s.outcomes.map((o) => [o.symbol, o.from, o.to, o.status])).toEqual([
      ['AAPL', '2020-03-01', '2020-06-30', 'landed'],
    ]);
    expect(await readFile(join(root, 'bronze', sidecarKey(key)), 'utf8')).toContain('"sha256"');
  });

  it('lands [] for an unknown symbol as a valid empty answer', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-'));
    const s = await ingest(sandbox, root, ['NOPE'], { from: '2020-01-01', to: '2020-01-31' });
    expect(s).toMatchObject({ landed: 1, rows: 0 });
    const key = bronzeKey(historicalPriceEod, { symbol: 'NOPE', from: '2020-01-01', to: '2020-01-31' });
    expect(await readFile(join(root, 'bronze', key), 'utf8')).toBe('[]');
  });

  it('marks a plan-restricted symbol failed with the API`s message and lands the rest', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-'));
    const s = await ingest(sandbox, root, ['AAPL', 'BRK.A', 'GOOG'], {
      from: '2020-01-01',
      to: '2020-01-31',
    });
    expect(s).toMatchObject({ landed: 2, failed: 1 });
    const failed = s.outcomes.find((o) => o.symbol === 'BRK.A')!;
    expect(failed).toMatchObject({ status: 'failed', http_status: 402, attempts: 0 });
    expect(failed.error).toMatch(/Premium Query Parameter/);
    expect((await sandbox.stats()).requests).toBe(3); // 402 is not retried
  });

  it('with an invalid key makes exactly one call, exits 3 and names FMP_API_KEY', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-'));
    const r = spawnSync(
      process.execPath,
      [
        FINLAKE_BIN,
        'ingest',
        'fmp',
        '--symbols',
        SAMPLE.join(','),
        '--from',
        '2019-01-01',
        '--to',
        '2020-12-31',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, FINLAKE_LAKE_ROOT: root, FMP_API_KEY: 'wrong-key', FMP_BASE_URL: sandbox.url },
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/Check FMP_API_KEY/);
    expect(r.stdout + r.stderr).not.toContain('wrong-key');
    expect((await sandbox.stats()).requests).toBe(1);
    const manifest = (await files(join(root, 'bronze'))).filter((k) => k.startsWith(MANIFESTS));
    expect(manifest).toHaveLength(1);
  });

  it('reports bad configuration with every problem and exit 78', () => {
    const r = spawnSync(process.execPath, [FINLAKE_BIN, 'ingest', 'fmp', '--symbols', 'AAPL'], {
      encoding: 'utf8',
      env: { ...process.env, FMP_API_KEY: '', FMP_RATE_LIMIT_PER_MIN: 'lots', FMP_BASE_URL: 'ftp://x' },
      timeout: 60_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/FMP_RATE_LIMIT_PER_MIN: "lots" is invalid/);
    expect(r.stderr).toMatch(/FMP_BASE_URL: "ftp:\/\/x" is invalid/);
  });

  it('recovers from a SIGKILL midway: the rerun completes bronze with no duplicates and no partial files', async () => {
    await sandbox.setFaults({ rateSlow: 1, slowMs: 150 });
    const root = await mkdtemp(join(tmpdir(), 'ingest-'));
    const symbols = Array.from({ length: 16 }, (_, i) => `SYN${String(100 + i).padStart(4, '0')}`);
    const args = [
      FINLAKE_BIN,
      'ingest',
      'fmp',
      '--symbols',
      symbols.join(','),
      '--from',
      '1999-01-01',
      '--to',
      '2020-12-31',
    ];
    const env = {
      ...process.env,
      FINLAKE_LAKE_ROOT: root,
      FMP_API_KEY: sandbox.apiKey,
      FMP_BASE_URL: sandbox.url,
      FMP_CONCURRENCY: '2',
      FMP_RATE_LIMIT_PER_MIN: '3000',
    };
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    const bronze = join(root, 'bronze');
    for (let i = 0; i < 300 && (await files(bronze)).filter((f) => f.endsWith('.json')).length < 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const landedBeforeKill = (await files(bronze)).filter((f) => f.endsWith('.json'));
    expect(landedBeforeKill.length).toBeGreaterThan(0);
    expect(landedBeforeKill.length).toBeLessThan(symbols.length * 2);
    // What a kill in the middle of a write leaves behind: the killed writer's temp file beside the target
    // (named for its host and pid, so the rerun's sweep knows its writer is gone).
    const partial = join(
      bronze,
      dirname(landedBeforeKill[0]!),
      `.tmp-${hostname()}.${child.pid}.0badc0ffee00`,
    );
    await mkdir(dirname(partial), { recursive: true });
    await writeFile(partial, '[{"symbol":"SYN');

    await sandbox.setFaults({});
    const rerun = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 120_000 });
    expect(rerun.status, rerun.stderr).toBe(0);
    const after = await files(bronze);
    expect(after.filter((f) => f.includes('.tmp-'))).toEqual([]);
    const expected = symbols.flatMap((s) =>
      [
        { from: '1999-01-01', to: '2012-09-08' },
        { from: '2012-09-09', to: '2020-12-31' },
      ].map((w) => bronzeKey(historicalPriceEod, { symbol: s, ...w })),
    );
    expect(after.filter((f) => !f.startsWith(MANIFESTS))).toEqual(
      expected.flatMap((k) => [k, sidecarKey(k)]).sort(),
    );
    for (const key of expected) {
      const body = await readFile(join(bronze, key));
      expect(JSON.parse(body.toString()).length).toBeGreaterThan(0);
      expect(JSON.parse(await readFile(join(bronze, sidecarKey(key)), 'utf8')).sha256).toBe(sha(body));
    }
  });
});

describe('the client`s limiter against the sandbox`s own limit', () => {
  it('stays at or under the limit in every window, and close to it', async () => {
    // Time scaled 20x: 15 calls per 3 s window on the server, and the client told the same plan
    // (its spare, 2 % of the window, is then 60 ms: enough for a loaded machine's scheduling jitter).
    const sandbox = await startSandbox(['--rate-per-min', '15', '--window-ms', '3000']);
    try {
      const root = await mkdtemp(join(tmpdir(), 'ingest-'));
      const symbols = Array.from({ length: 40 }, (_, i) => `SYN${String(i).padStart(4, '0')}`);
      const s = await ingest(
        sandbox,
        root,
        symbols,
        { from: '2020-01-02', to: '2020-01-02' },
        { ratePerMin: 15, rateWindowMs: 3000, maxAttempts: 1 },
        8,
      );
      const stats = await sandbox.stats();
      expect(
        s.landed,
        JSON.stringify({ stats, failed: s.outcomes.filter((o) => o.status !== 'landed') }),
      ).toBe(40);
      expect(stats.rateLimited).toBe(0);
      expect(stats.maxCallsInAnyWindow).toBeGreaterThanOrEqual(13);
    } finally {
      await sandbox.stop();
    }
  });
});
