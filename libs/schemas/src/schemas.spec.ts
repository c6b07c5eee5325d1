import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import {
  columnsOf,
  compileValidator,
  decimalOf,
  isSqlType,
  jsonExactRange,
  dailyPortfolioSummary,
  DATASETS,
  fmpEodPrices,
  fmpEodWireResponse,
  fmpEodWireRow,
  columnRuleTests,
  defineDataset,
  col,
  nullable,
  modelRuleTests,
  renderArtifacts,
  renderDbtArtifacts,
  renderRepoArtifacts,
  PUBLIC,
  RESTRICTED,
  SENSITIVITIES,
  wireName,
} from './index.ts';
import { FMP_WIRE_FIXTURES } from './testing/index.ts';

const generatedDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'generated');

describe('generated artefacts', () => {
  it('are committed and current (run `npx nx run schemas:generate` when this fails)', async () => {
    for (const [path, content] of renderArtifacts()) {
      const committed = await readFile(join(generatedDir, path), 'utf8').catch(() => '<missing>');
      expect(committed, `libs/schemas/generated/${path} is stale`).toBe(content);
    }
  });

  it('render the dbt YAML and the flows` record types committed in their projects', async () => {
    const repoRoot = join(generatedDir, '..', '..', '..');
    for (const [path, content] of renderRepoArtifacts()) {
      const committed = await readFile(join(repoRoot, path), 'utf8').catch(() => '<missing>');
      expect(committed, `${path} is stale`).toBe(content);
    }
  });

  it('detect a change of contract', () => {
    const before = renderArtifacts().get('json-schema/fmp_eod_prices.schema.json');
    const changed = { ...fmpEodPrices, description: 'changed' };
    const after = renderArtifacts([changed]).get('json-schema/fmp_eod_prices.schema.json');
    expect(after).not.toBe(before);
  });

  it('carry a SQL type for every column, usable by Spark and dbt', () => {
    for (const d of DATASETS) {
      const json = JSON.parse(renderArtifacts([d]).get(`json-schema/${d.name}.schema.json`)!);
      for (const [name, prop] of Object.entries<Record<string, unknown>>(json.properties)) {
        expect(prop['x-sql-type'], `${d.name}.${name}`).toMatch(
          /^(string|date|timestamp|double|bigint|integer|boolean|decimal\(\d+,\d+\))$/,
        );
      }
      expect(json['x-primary-key']).toEqual(d.primaryKey);
    }
  });
});

describe('decimal columns', () => {
  it('are spelt as every engine spells them, and only valid ones are accepted', () => {
    expect(decimalOf('decimal(18,2)')).toEqual({ precision: 18, scale: 2 });
    expect(decimalOf('double')).toBeUndefined();
    expect(isSqlType('decimal(18,2)')).toBe(true);
    expect(isSqlType('decimal(2,3)')).toBe(false); // more places than digits
    expect(isSqlType('decimal(39,2)')).toBe(false); // beyond every engine's 38 digits
    expect(isSqlType('decimal(18, 2)')).toBe(false);
  });

  it('served as JSON stay within the digits a double prints back exactly', () => {
    const { minimum, maximum } = jsonExactRange(18, 2);
    expect(maximum).toBe(9_999_999_999_999.99);
    expect(minimum).toBe(-maximum);
    // Cents across the whole range (seeded, with the edges): each survives JSON.parse digit for digit.
    let seed = 7n;
    const cents = [999_999_999_999_999n, -999_999_999_999_999n, 7n, 1010n];
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      cents.push((seed % 1_999_999_999_999_999n) - 999_999_999_999_999n);
    }
    for (const c of cents) {
      const abs = c < 0n ? -c : c;
      const text = `${c < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
      const canonical = text.replace(/\.?0+$/, '');
      expect(String(JSON.parse(text)), text).toBe(canonical === '-0' ? '0' : canonical);
    }
  });
});

describe('dbt tests derived from a contract', () => {
  const d = defineDataset({
    name: 'demo',
    zone: 'silver',
    description: 'demo',
    primaryKey: ['id'],
    partitionBy: [],
    properties: {
      id: col.string('Key.'),
      price: col.double('Price.', { exclusiveMinimum: 0 }),
      share: nullable(col.double('Share.', { minimum: 0, maximum: 1 })),
      count: col.integer('Count, the type range only.'),
      lots: col.integer('Lots.', { minimum: 1 }),
      mixed: col.double('Mixed bounds.', { minimum: 0, exclusiveMaximum: 10 }),
    },
  });
  const tests = Object.fromEntries(columnsOf(d).map((c) => [c.name, columnRuleTests(c, d.primaryKey)]));
  const between = (args: object) => ({ expect_column_values_to_be_between: { arguments: args } });

  it.each([
    ['id', ['not_null']],
    ['price', ['not_null', between({ min_value: 0, strictly: true })]],
    ['share', [between({ min_value: 0, max_value: 1 })]],
    ['count', ['not_null']],
    ['lots', ['not_null', between({ min_value: 1 })]],
    ['mixed', ['not_null', between({ min_value: 0 }), between({ max_value: 10, strictly: true })]],
  ])('%s gets the tests its rules imply', (name, expected) => {
    expect(tests[name]).toEqual(expected);
  });

  it('the primary key is a unique combination', () => {
    expect(modelRuleTests(d.primaryKey)).toEqual([
      { unique_combination_of_columns: { arguments: { combination_of_columns: ['id'] } } },
    ]);
  });

  it('render every contract rule of the gold mart into its YAML', () => {
    const yaml = renderDbtArtifacts().get('dbt/models/marts/daily_portfolio_summary.yml')!;
    for (const c of columnsOf(dailyPortfolioSummary)) {
      for (const t of columnRuleTests(c, dailyPortfolioSummary.primaryKey)) {
        expect(yaml, `${c.name}: ${JSON.stringify(t)}`).toContain(JSON.stringify(t));
      }
    }
  });

  it('refuse a staging rename of a column the contract does not have', () => {
    expect(() =>
      defineDataset({
        name: 'x',
        zone: 'silver',
        description: 'x',
        primaryKey: [],
        partitionBy: [],
        dbtStaging: { model: 'stg_x__ys', description: 'x', rename: { nope: 'n' } },
        properties: { a: col.string('A.') },
      }),
    ).toThrow(/staging names column nope/);
  });
});

describe('fmp_eod_wire_row', () => {
  it('accepts the real recorded FMP answer', async () => {
    const body = JSON.parse(await readFile(FMP_WIRE_FIXTURES.eodFullAapl20230101to20230110, 'utf8'));
    expect(body.length).toBeGreaterThan(0);
    expect(Value.Check(fmpEodWireResponse, body)).toBe(true);
  });

  it('rejects a row without a close and a row with an impossible date', () => {
    const v = compileValidator(fmpEodWireRow.schema);
    const good = { symbol: 'AAPL', date: '2023-01-10', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };
    expect(v.check(good)).toBe(true);
    const { close: _omit, ...noClose } = good;
    expect(
      v
        .errors(noClose)
        .map((e) => e.message)
        .join(),
    ).toMatch(/close/);
    expect(v.check({ ...good, date: '2023-02-30' })).toBe(false);
    expect(v.check({ ...good, symbol: 'aapl; drop table' })).toBe(false);
  });

  it('treats an FMP error body as not a price answer', () => {
    expect(Value.Check(fmpEodWireResponse, { 'Error Message': 'Invalid API KEY.' })).toBe(false);
  });
});

describe('silver and gold contracts', () => {
  it('list columns in declaration order with nullability', () => {
    const cols = columnsOf(fmpEodPrices);
    expect(cols.map((c) => c.name).slice(0, 3)).toEqual(['symbol', 'trade_date', 'open']);
    expect(cols.find((c) => c.name === 'vwap')).toMatchObject({ sqlType: 'decimal(18,6)', nullable: true });
    expect(cols.find((c) => c.name === 'change_percent')).toMatchObject({
      sqlType: 'double',
      nullable: true,
    });
    expect(cols.find((c) => c.name === 'volume')).toMatchObject({ sqlType: 'bigint', nullable: false });
  });

  it('reject non-positive prices and negative volumes in silver', () => {
    const v = compileValidator(fmpEodPrices.schema);
    const row = {
      symbol: 'AAPL',
      trade_date: '2023-01-10',
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 10,
      vwap: null,
      change: null,
      change_percent: null,
      source_object: 'k',
      ingested_at: '2023-01-11T00:00:00Z',
      run_id: 'r',
    };
    expect(v.errors(row)).toEqual([]);
    expect(v.check({ ...row, close: 0 })).toBe(false);
    expect(v.check({ ...row, volume: -1 })).toBe(false);
    expect(v.check({ ...row, volume: 1.5 })).toBe(false);
  });

  it('key the gold mart by portfolio and date', () => {
    expect(dailyPortfolioSummary.primaryKey).toEqual(['portfolio_id', 'summary_date']);
    expect(columnsOf(dailyPortfolioSummary).find((c) => c.name === 'daily_return')?.nullable).toBe(true);
  });
});

describe('column sensitivity', () => {
  const gold = (properties: Parameters<typeof defineDataset>[0]['properties']) =>
    defineDataset({ name: 'g', zone: 'gold', description: 'g', primaryKey: [], partitionBy: [], properties });

  it('is required on every gold column, kept through nullable, and listed by columnsOf', () => {
    expect(() => gold({ a: col.string('A.', PUBLIC), b: col.double('B.') })).toThrow(
      /gold column b has no x-sensitivity/,
    );
    const d = gold({ a: col.string('A.', PUBLIC), b: nullable(col.double('B.', RESTRICTED)) });
    expect(columnsOf(d).map((c) => [c.name, c.sensitivity])).toEqual([
      ['a', 'public'],
      ['b', 'restricted'],
    ]);
  });

  it('accepts only the declared values', () => {
    expect(() => gold({ a: col.string('A.', { 'x-sensitivity': 'secret' }) })).toThrow(
      /x-sensitivity "secret": use one of public, restricted/,
    );
  });

  it("marks a portfolio's money amounts restricted and its counts and returns public", () => {
    const restricted = columnsOf(dailyPortfolioSummary)
      .filter((c) => c.sensitivity === 'restricted')
      .map((c) => c.name);
    expect(restricted).toEqual(['market_value', 'prior_market_value', 'daily_pnl']);
    for (const d of DATASETS.filter((x) => x.zone === 'gold'))
      for (const c of columnsOf(d)) expect(SENSITIVITIES).toContain(c.sensitivity);
  });

  it('is rendered into the dbt YAML as column meta', () => {
    const yml = [...renderDbtArtifacts()].find(([p]) => p.endsWith('daily_portfolio_summary.yml'))![1];
    expect(yml).toMatch(/- name: market_value\n(.*\n){2}\s+meta: \{ sensitivity: restricted \}/);
  });
});

describe('a silver column read from a wire field spelt otherwise', () => {
  const silver = (properties: Parameters<typeof defineDataset>[0]['properties']) =>
    defineDataset({
      name: 's',
      zone: 'silver',
      description: 's',
      primaryKey: [],
      partitionBy: [],
      properties,
    });

  it('keeps its wire name through nullable, into the JSON Schema the Glue job reads and into columnsOf', () => {
    const d = silver({
      adj_dividend: col.double('A.', wireName('adjDividend')),
      record_date: nullable(col.date('R.', wireName('recordDate'))),
      symbol: col.string('S.'),
    });
    expect(columnsOf(d).map((c) => [c.name, c.wireName])).toEqual([
      ['adj_dividend', 'adjDividend'],
      ['record_date', 'recordDate'],
      ['symbol', undefined],
    ]);
    const schema = JSON.parse(JSON.stringify(d.schema)) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(schema.properties.record_date!['x-wire-name']).toBe('recordDate');
  });

  it('refuses a wire name that is not a field name', () => {
    expect(() => silver({ a: col.double('A.', { 'x-wire-name': 'adj dividend' }) })).toThrow(
      /x-wire-name "adj dividend": name the API's field, e.g. wireName\('adjDividend'\)/,
    );
  });
});

describe('freshness and event time', () => {
  const base = { name: 'f', zone: 'silver' as const, description: 'f', primaryKey: [], partitionBy: [] };
  it('needs a date or timestamp event time, and whole days with warn <= error', () => {
    expect(() => defineDataset({ ...base, eventTime: 'x', properties: { x: col.string('X.') } })).toThrow(
      /eventTime x must be a date or timestamp column/,
    );
    expect(() =>
      defineDataset({
        ...base,
        eventTime: 'd',
        freshness: { warnAfterDays: 5, errorAfterDays: 2 },
        properties: { d: col.date('D.') },
      }),
    ).toThrow(/1 <= warnAfterDays <= errorAfterDays/);
    expect(() =>
      defineDataset({
        ...base,
        freshness: { warnAfterDays: 1, errorAfterDays: 2 },
        properties: { d: col.date('D.') },
      }),
    ).toThrow(/freshness needs an eventTime/);
  });
});
