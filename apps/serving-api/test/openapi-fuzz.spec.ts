import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { repoRoot } from '@finlake/aws/testing';
import { devKeyPair, mintToken } from '@finlake/serving';
import { startLocalServer } from '../src/server.ts';
import { dailySymbolNewsPrice } from '@finlake/schemas';
import { writeGoldFixture, writeNewsFixture, writeSeriesFixture } from '@finlake/serving/testing';
import { SERIES_MARTS } from '../src/marts.ts';

// A property-based run of Schemathesis (from the repo's Python env) over the API's own OpenAPI
// document, against the real local server on 127.0.0.1: generated valid and invalid inputs for every
// operation must never produce a 5xx, and every answer must match its documented status and schema.
const schemathesis = join(repoRoot(), '.venv', 'bin', 'schemathesis');
const lake = mkdtempSync(join(tmpdir(), 'serving-fuzz-'));
let app: FastifyInstance;
let address: string;

beforeAll(async () => {
  await writeGoldFixture(lake);
  await writeNewsFixture(lake);
  // Every other served mart (a generated source's): rows of its contract's types, so each route is fuzzed.
  for (const mart of SERIES_MARTS)
    if (mart.name !== dailySymbolNewsPrice.name) await writeSeriesFixture(lake, mart);
  ({ app, address } = await startLocalServer({ port: 0, lakeRoot: lake, logLevel: 'silent' }));
});
afterAll(async () => app?.close());

describe('OpenAPI property/fuzz run (Schemathesis)', () => {
  it('finds no server error and no undocumented answer in any operation', async () => {
    expect(existsSync(schemathesis), 'run `make setup` to install the Python env').toBe(true);
    const token = await mintToken(devKeyPair(join(lake, '_state', 'dev-keys')).privateKeyPem, {
      sub: 'fuzzer',
      portfolios: '*', // every generated portfolio id reaches the engine, not just the 403 branch
    });
    const report = join(lake, 'schemathesis.json');
    // Asynchronous: the server answers from this process's event loop.
    const run = await promisify(execFile)(
      schemathesis,
      [
        'run',
        `${address}/openapi.json`,
        '--checks',
        'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection',
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        '60',
        '--seed',
        '20201231',
        '--generation-deterministic',
        '--workers',
        '2',
        '--header',
        `Authorization: Bearer ${token}`,
        '--report',
        'ndjson',
        '--report-ndjson-path',
        report,
        '--no-color',
        '--output-truncate',
        'true',
      ],
      // cwd in the temp dir: Schemathesis keeps its crash cache under the working directory.
      { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024, cwd: lake },
    ).then(
      (out) => ({ status: 0, output: out.stdout + out.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        status: err.code ?? -1,
        output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      }),
    );
    expect(run.status, run.output.slice(-6000)).toBe(0);
    // The run did exercise the gold routes (a run that tested nothing must not pass).
    const events = readFileSync(report, 'utf8');
    expect(events).toContain('/v1/portfolios/{portfolioId}/daily-summary');
    expect(events).toContain('/v1/daily-portfolio-summary');
    expect(events).toContain('/v1/symbols/{symbol}/daily-news');
  }, 660_000);
});
