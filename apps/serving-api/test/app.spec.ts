import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { generateKeyPairSync } from 'node:crypto';
import {
  API_AUDIENCE,
  CachingEngine,
  createVerifier,
  DEV_ISSUER,
  devKeyPair,
  mintToken,
} from '@finlake/serving';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '@finlake/serving/duckdb';
import { bearerAuthentication, buildApp } from '../src/app.ts';
import { writeGoldFixture, writeNewsFixture, writeSeriesFixture } from '@finlake/serving/testing';
import { loadConfig } from '@finlake/config';
import { localServerConfigSpec } from '../src/server.ts';
import { GOLD_MARTS, GOVERNANCE, METRICS, METRICS_NAMESPACE } from '@finlake/platform';
import { dailySymbolNewsPrice } from '@finlake/schemas';
import { SERIES_MARTS, SUMMARY_MART } from '../src/marts.ts';
import { openApiDocument } from '../src/openapi-document.ts';
import Fastify from 'fastify';
import { apiMetrics } from '../src/metrics.ts';

const dir = mkdtempSync(join(tmpdir(), 'serving-'));
const gold = join(dir, 'gold', 'daily_portfolio_summary', 'daily_portfolio_summary.parquet');
const keys = devKeyPair(join(dir, 'keys'));
let app: FastifyInstance;
let engine: DuckDbEngine;
let news: string;

beforeAll(async () => {
  await writeGoldFixture(dir);
  news = await writeNewsFixture(dir);
  engine = await DuckDbEngine.open(gold, {
    series: [{ mart: dailySymbolNewsPrice, file: news }],
    versionCheckMs: 0,
  });
  app = await buildApp({
    engine,
    authenticate: bearerAuthentication(
      createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem: keys.publicKeyPem }),
    ),
  });
});
afterAll(async () => {
  await app?.close();
  await engine?.close();
});

/** Another app over the same engine and keys (a cache in front, metrics on, ...). */
const appWith = (options: Omit<Parameters<typeof buildApp>[0], 'authenticate'>) =>
  buildApp({
    ...options,
    authenticate: bearerAuthentication(
      createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem: keys.publicKeyPem }),
    ),
  });

const token = (
  portfolios: string[] | '*',
  extra: Parameters<typeof mintToken>[1] = { sub: 'alice', portfolios },
) => mintToken(keys.privateKeyPem, { ...extra, portfolios });
const get = async (url: string, tok?: string) =>
  app.inject({ method: 'GET', url, headers: tok === undefined ? {} : { authorization: `Bearer ${tok}` } });

describe('auth', () => {
  it('rejects missing, malformed, expired, wrong-issuer, wrong-audience and wrong-key tokens with 401', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bad = [
      undefined,
      'not-a-jwt',
      await mintToken(keys.privateKeyPem, { sub: 'a', portfolios: ['P001'], ttlSeconds: -120 }),
      await mintToken(keys.privateKeyPem, { sub: 'a', portfolios: ['P001'], issuer: 'https://evil.example' }),
      await mintToken(keys.privateKeyPem, { sub: 'a', portfolios: ['P001'], audience: 'other-api' }),
      await mintToken(other, { sub: 'a', portfolios: ['P001'] }),
    ];
    for (const t of bad) {
      const res = await get('/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-01-31', t);
      expect(res.statusCode, String(t).slice(0, 20)).toBe(401);
      expect(res.json().error).toBe('unauthorized');
    }
  });

  it('answers 403 for a portfolio outside the caller`s entitlements', async () => {
    const res = await get(
      '/v1/portfolios/P002/daily-summary?from=2020-01-01&to=2020-01-31',
      await token(['P001']),
    );
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/P002 is not in your entitlements/);
  });

  it('returns only entitled portfolios for a date', async () => {
    const res = await get('/v1/daily-portfolio-summary?date=2020-01-05', await token(['P001', 'P003']));
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((r: { portfolio_id: string }) => r.portfolio_id)).toEqual(['P001', 'P003']);
    const all = await get('/v1/daily-portfolio-summary?date=2020-01-05', await token('*'));
    expect(all.json().items).toHaveLength(3);
  });
});

describe('cached answers', () => {
  it('never serve one caller`s page to a caller with other entitlements', async () => {
    const cachedApp = await appWith({ engine: new CachingEngine(engine, { version: async () => 'v1' }) });
    try {
      const ask = async (portfolios: string[] | '*') =>
        (
          await cachedApp.inject({
            url: '/v1/daily-portfolio-summary?date=2020-01-05',
            headers: { authorization: `Bearer ${await token(portfolios)}` },
          })
        )
          .json()
          .items.map((r: { portfolio_id: string }) => r.portfolio_id);
      expect(await ask('*')).toEqual(['P001', 'P002', 'P003']);
      expect(await ask(['P002'])).toEqual(['P002']);
      expect(await ask('*')).toEqual(['P001', 'P002', 'P003']);
      expect(await ask(['P001', 'P003'])).toEqual(['P001', 'P003']);
    } finally {
      await cachedApp.close();
    }
  });
});

describe('portfolio summaries', () => {
  it('pages through a range in date order with an opaque cursor', async () => {
    const t = await token(['P001']);
    const seen: string[] = [];
    let url = '/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-01-30&limit=12';
    for (let i = 0; i < 5; i++) {
      const body = (await get(url, t)).json();
      seen.push(...body.items.map((r: { summary_date: string }) => r.summary_date));
      if (!body.next_cursor) break;
      url = `/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-01-30&limit=12&cursor=${body.next_cursor}`;
    }
    expect(seen).toHaveLength(30);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(30);
  });

  // Money amounts are restricted in the contract: these callers carry the scope that reads them.
  const restricted = (portfolios: string[] | '*') =>
    token(portfolios, { sub: 'alice', portfolios, scope: `summary:read ${GOVERNANCE.restrictedScope}` });

  it('serves rows in the contract`s shape', async () => {
    const body = (
      await get('/v1/portfolios/P001/daily-summary?from=2020-01-02&to=2020-01-02', await restricted(['P001']))
    ).json();
    expect(body.items).toEqual([
      {
        portfolio_id: 'P001',
        summary_date: '2020-01-02',
        positions_count: 2,
        stale_positions_count: 0,
        market_value: 1234567890123.52,
        prior_market_value: 1234567890123.45,
        daily_pnl: 0.07,
        daily_return: 0.001,
      },
    ]);
  });

  it('answers gold`s decimals digit for digit: the JSON text is the Parquet decimal', async () => {
    const res = await get(
      '/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-01-30',
      await restricted(['P001']),
    );
    const served = [...res.body.matchAll(/"market_value":(-?[0-9.]+)/g)].map((m) => m[1]);
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    const stored = (
      await db.runAndReadAll(
        `select cast(market_value as varchar) from '${gold}' where portfolio_id = 'P001' order by summary_date`,
      )
    ).getRows();
    db.closeSync();
    instance.closeSync();
    // DECIMAL(18,2) text without trailing zeros is what a JSON number of that value prints as.
    expect(served).toEqual(stored.map(([v]) => String(v).replace(/\.?0+$/, '')));
    expect(served).toContain('1234567890123.52');
  });
});

describe('column access (the contract`s sensitivities, as Lake Formation enforces them in AWS)', () => {
  const withScope = (scope: string) => token('*', { sub: 'alice', portfolios: '*', scope });
  const moneyColumns = ['market_value', 'prior_market_value', 'daily_pnl'];

  it('drops restricted columns for a token without the restricted scope, on every route of the mart', async () => {
    for (const url of [
      '/v1/portfolios/P001/daily-summary?from=2020-01-02&to=2020-01-03',
      '/v1/daily-portfolio-summary?date=2020-01-05',
    ]) {
      const plain = (await get(url, await withScope('summary:read'))).json();
      expect(plain.items.length).toBeGreaterThan(0);
      for (const row of plain.items) {
        for (const c of moneyColumns) expect(row, url).not.toHaveProperty(c);
        expect(row).toHaveProperty('daily_return');
        expect(row).toHaveProperty('positions_count');
      }
      const full = (await get(url, await withScope(`summary:read ${GOVERNANCE.restrictedScope}`))).json();
      // The same rows, with the restricted columns.
      expect(full.items.map((r: Record<string, unknown>) => r.summary_date)).toEqual(
        plain.items.map((r: Record<string, unknown>) => r.summary_date),
      );
      for (const row of full.items) for (const c of moneyColumns) expect(row).toHaveProperty(c);
    }
  });

  it('never serves a cached privileged page to a caller without the scope', async () => {
    const cachedApp = await appWith({ engine: new CachingEngine(engine, { version: async () => 'v1' }) });
    try {
      const url = '/v1/portfolios/P001/daily-summary?from=2020-01-02&to=2020-01-02';
      const ask = async (scope: string) =>
        (
          await cachedApp.inject({ url, headers: { authorization: `Bearer ${await withScope(scope)}` } })
        ).json().items[0];
      expect(await ask(`summary:read ${GOVERNANCE.restrictedScope}`)).toHaveProperty('market_value');
      expect(await ask('summary:read')).not.toHaveProperty('market_value');
      expect(await ask(`${GOVERNANCE.restrictedScope}`)).toHaveProperty('market_value');
    } finally {
      await cachedApp.close();
    }
  });

  it('says so in the OpenAPI document: restricted columns optional, with the scope that reads them', async () => {
    const doc = (await get('/openapi.json')).json();
    const page =
      doc.paths['/v1/portfolios/{portfolioId}/daily-summary'].get.responses['200'].content['application/json']
        .schema;
    const row = page.properties.items.items;
    for (const c of moneyColumns) {
      expect(row.required).not.toContain(c);
      expect(row.properties[c].description).toContain(GOVERNANCE.restrictedScope);
    }
    expect(row.required).toContain('daily_return');
  });
});

describe('the served marts', () => {
  it('serves every mart of the platform contract: the summary first, each other one a symbol series with a route', async () => {
    expect([SUMMARY_MART, ...SERIES_MARTS].map((m) => m.name)).toEqual([...GOLD_MARTS]);
    const doc = (await openApiDocument()) as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    const described = Object.values(doc.paths).flatMap((p) => Object.values(p).map((op) => op.description));
    for (const mart of SERIES_MARTS) expect(described, mart.name).toContain(mart.description);
  });

  it('serves any symbol-series contract`s rows through the engine (the fixture a generated mart is fuzzed with)', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'serving-series-'));
    const file = await writeSeriesFixture(lake, dailySymbolNewsPrice, ['AAPL'], 10);
    const series = await DuckDbEngine.open(gold, { series: [{ mart: dailySymbolNewsPrice, file }] });
    try {
      const q = { symbol: 'AAPL', from: '2020-01-03', to: '2020-01-31', after: '2020-01-04', limit: 5 };
      const rows = await series.symbolSeries(dailySymbolNewsPrice, q);
      expect(rows.map((r) => r.trade_date)).toEqual([
        '2020-01-05',
        '2020-01-06',
        '2020-01-07',
        '2020-01-08',
        '2020-01-09',
      ]);
      // Inside the contract's bounds: the sentiment is clamped to [-1, 1].
      expect(rows.every((r) => r.avg_sentiment === null || Math.abs(r.avg_sentiment) <= 1)).toBe(true);
      await expect(
        series.symbolSeries({ ...dailySymbolNewsPrice, name: 'daily_symbol_other' }, q),
      ).rejects.toThrow(/daily_symbol_other has not been published yet/);
    } finally {
      await series.close();
    }
  });

  it('refuses a series route for a mart not keyed by (symbol, day), naming its key', async () => {
    const { symbolSeriesRoutes } = await import('../src/routes/v1/symbol-series.ts');
    expect(() => symbolSeriesRoutes(SUMMARY_MART, { url: '/symbols/:symbol/x', summary: 'x' })).toThrow(
      /daily_portfolio_summary is keyed by portfolio_id, summary_date; a symbol-series mart is keyed by \(symbol/,
    );
  });
});

describe('symbol news (the second mart, its own route plugin)', () => {
  const url = (symbol: string, q = 'from=2020-01-01&to=2020-01-30') =>
    `/v1/symbols/${symbol}/daily-news?${q}`;

  it('pages through a symbol`s sessions in date order, for any authenticated caller', async () => {
    const t = await token(['P001']); // market data: no portfolio entitlement needed
    const seen: string[] = [];
    let next = url('AAPL', 'from=2020-01-01&to=2020-01-30&limit=7');
    for (let i = 0; i < 10 && next; i++) {
      const body = (await get(next, t)).json();
      expect(body.symbol).toBe('AAPL');
      seen.push(...body.items.map((r: { trade_date: string }) => r.trade_date));
      next = body.next_cursor
        ? url('AAPL', `from=2020-01-01&to=2020-01-30&limit=7&cursor=${body.next_cursor}`)
        : '';
    }
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    expect([...seen].sort()).toEqual(seen);
  });

  it('serves rows in the contract`s shape, an index symbol URL-encoded, days without news included', async () => {
    const body = (await get(url('%5EGSPC', 'from=2020-01-01&to=2020-01-02'), await token('*'))).json();
    expect(body.items).toEqual([
      {
        symbol: '^GSPC',
        trade_date: '2020-01-01',
        close_price: 100.123456,
        daily_return: null,
        news_count: 2,
        avg_sentiment: 0.25,
        first_headline: '^GSPC v1 headline 0',
        has_news: true,
      },
      {
        symbol: '^GSPC',
        trade_date: '2020-01-02',
        close_price: 101.123456,
        daily_return: 0.01,
        news_count: 0,
        avg_sentiment: null,
        first_headline: null,
        has_news: false,
      },
    ]);
  });

  it('serves the new version right after a publish replaces the file', async () => {
    const t = await token('*');
    const first = async () => (await get(url('AAPL', 'from=2020-01-01&to=2020-01-01'), t)).json().items[0];
    expect((await first()).first_headline).toBe('AAPL v1 headline 0');
    await writeNewsFixture(dir, ['AAPL', '^GSPC'], 30, 'v2');
    expect((await first()).first_headline).toBe('AAPL v2 headline 0');
  });

  it('answers 401 without a token and 400 for bad symbols, ranges, cursors and unknown parameters', async () => {
    expect((await get(url('AAPL'))).statusCode).toBe(401);
    const t = await token('*');
    for (const bad of [
      url('aapl'),
      url("AAPL'%20OR%201=1--"),
      url('A'.repeat(40)),
      url('AAPL', 'from=2020-03-01&to=2020-02-01'),
      url('AAPL', 'from=1980-01-01&to=2020-02-01'),
      url('AAPL', 'from=2020-01-01&to=2020-02-01&cursor=%27%3B--'),
      url('AAPL', 'from=2020-01-01&to=2020-02-01&cursor=eyJrIjoicG9ydGZvbGlvIiwiYSI6IlAwMDEifQ'),
      url('AAPL', 'from=2020-01-01&to=2020-02-01&portfolio=P001'),
      url('AAPL', 'from=2020-01-01'),
    ]) {
      const res = await get(bad, t);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().message.length, bad).toBeGreaterThan(5);
    }
  });

  it('answers 503 with what to wait for when the mart has not been published yet', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'serving-unpublished-'));
    const unpublished = await DuckDbEngine.open(gold, {
      series: [
        {
          mart: dailySymbolNewsPrice,
          file: join(empty, 'gold', 'daily_symbol_news_price', 'daily_symbol_news_price.parquet'),
        },
      ],
    });
    const bare = await buildApp({
      engine: unpublished,
      authenticate: bearerAuthentication(
        createVerifier({ issuer: DEV_ISSUER, audience: API_AUDIENCE, publicKeyPem: keys.publicKeyPem }),
      ),
    });
    try {
      const res = await bare.inject({
        url: url('AAPL'),
        headers: { authorization: `Bearer ${await token('*')}` },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: 'not_published' });
      expect(res.json().message).toMatch(/daily_symbol_news_price has not been published yet/);
    } finally {
      await bare.close();
      await unpublished.close();
    }
  });
});

describe('input validation', () => {
  it('answers 400 with what was wrong, never 5xx, for bad and injection-shaped inputs', async () => {
    const t = await token('*');
    const urls = [
      "/v1/portfolios/P001'%20OR%201=1--/daily-summary?from=2020-01-01&to=2020-01-31",
      '/v1/portfolios/P001;DROP/daily-summary?from=2020-01-01&to=2020-01-31',
      '/v1/portfolios/P001/daily-summary?from=2020-02-30&to=2020-03-01',
      '/v1/portfolios/P001/daily-summary?from=2020-03-01&to=2020-02-01',
      '/v1/portfolios/P001/daily-summary?from=1990-01-01&to=2020-02-01',
      '/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-02-01&limit=0',
      '/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-02-01&limit=100000',
      '/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-02-01&cursor=%27%3B--',
      '/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-02-01&cursor=eyJrIjoicG9ydGZvbGlvIiwiYSI6IlAwMDEifQ',
      `/v1/portfolios/P001/daily-summary?from=${'9'.repeat(5000)}&to=2020-02-01`,
      '/v1/portfolios/%E2%98%83/daily-summary?from=2020-01-01&to=2020-02-01',
      '/v1/daily-portfolio-summary?date=2020-01-05%27%20--',
      '/v1/daily-portfolio-summary?date=2020-01-05&extra=1',
    ];
    for (const url of urls) {
      const res = await get(url, t);
      expect(res.statusCode, url.slice(0, 80)).toBe(400);
      expect(res.json().message.length, url.slice(0, 80)).toBeGreaterThan(5);
    }
  });

  it('keeps Fastify`s own client errors 4xx (found by the fuzz run: QUERY without a body type was a 500)', async () => {
    const res = await app.inject({ method: 'QUERY' as 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/Content-Type/);
  });

  it('answers 404 for an unknown route', async () => {
    const res = await get('/v2/nothing', await token('*'));
    expect(res.statusCode).toBe(404);
  });
});

describe('health and docs', () => {
  it('reports the engine and the gold data`s freshness without auth', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      engine: 'duckdb',
      gold: { latest_summary_date: '2020-01-30', rows: 90 },
    });
  });

  it('publishes an OpenAPI document with every route and its response schemas', async () => {
    const doc = (await get('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/v1/portfolios/{portfolioId}/daily-summary',
        '/v1/daily-portfolio-summary',
      ]),
    );
    const ok = doc.paths['/v1/daily-portfolio-summary'].get.responses['200'];
    expect(ok).toBeDefined();
    // Money is documented as what it is: a JSON number exact to the cent, within the digits a double keeps.
    const item = JSON.stringify(ok.content['application/json'].schema);
    const money = JSON.parse(item.match(/"market_value":(\{[^}]*\})/)![1]!);
    expect(money).toMatchObject({ type: 'number', 'x-sql-type': 'decimal(18,2)', 'x-scale': 2 });
    expect(money.maximum).toBe(9_999_999_999_999.99);
    expect((await get('/docs/')).statusCode).toBeLessThan(400);
  });
});

describe('local server configuration', () => {
  it('reads FINLAKE_API_CACHE as on/off and refuses anything else', () => {
    const cache = (v: string | undefined) =>
      loadConfig('serving-api', localServerConfigSpec, v === undefined ? {} : { FINLAKE_API_CACHE: v }).cache;
    expect([undefined, '', 'on'].map(cache)).toEqual(['on', 'on', 'on']);
    expect(cache('off')).toBe('off');
    expect(() => cache('false')).toThrow(/FINLAKE_API_CACHE: "false" is invalid .*; expected on or off/);
  });
});

describe('request metrics (the platform`s names)', () => {
  it('counts requests by route pattern and status, with latency, at /metrics', async () => {
    const metered = await appWith({ engine, metrics: 'prometheus' });
    try {
      const t = await token(['P001']);
      const ask = (url: string) => metered.inject({ url, headers: { authorization: `Bearer ${t}` } });
      await ask('/v1/portfolios/P001/daily-summary?from=2020-01-01&to=2020-01-02');
      await ask('/v1/portfolios/P001/daily-summary?from=2020-01-03&to=2020-01-04');
      await ask('/v1/portfolios/P002/daily-summary?from=2020-01-01&to=2020-01-02');
      const text = (await metered.inject({ url: '/metrics' })).body;
      const route = '/v1/portfolios/:portfolioId/daily-summary';
      expect(text).toContain(`${METRICS.apiRequests.name}{route="${route}",status="200"} 2`);
      expect(text).toContain(`${METRICS.apiRequests.name}{route="${route}",status="403"} 1`);
      expect(text).toMatch(new RegExp(`${METRICS.apiLatency.name}_count\\{route="${route}"\\} 3`));
      // The raw URL (a portfolio id, a date) never becomes a label.
      expect(text).not.toContain('P001');
    } finally {
      await metered.close();
    }
  });

  it('writes one CloudWatch EMF line per request on Lambda, with the same names', async () => {
    const lines: string[] = [];
    const bare = Fastify();
    await apiMetrics(bare, 'emf', (l) => lines.push(l));
    bare.get('/x/:id', async () => ({ ok: true }));
    await bare.inject({ url: '/x/42' });
    await bare.close();
    const doc = JSON.parse(lines[0]!);
    expect(doc._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['route', 'status']],
      Metrics: [
        { Name: METRICS.apiRequests.name, Unit: 'Count' },
        { Name: METRICS.apiLatency.name, Unit: 'Seconds' },
      ],
    });
    expect(doc).toMatchObject({ route: '/x/:id', status: '200', [METRICS.apiRequests.name]: 1 });
    expect(doc[METRICS.apiLatency.name]).toBeGreaterThanOrEqual(0);
  });
});
