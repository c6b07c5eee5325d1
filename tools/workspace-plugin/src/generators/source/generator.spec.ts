import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { insertAtMarkers, sourceGenerator } from './generator.ts';
import { sourceNames } from './names.ts';

const REPO = join(import.meta.dirname, '..', '..', '..', '..', '..');
// The workspace's real registries and contracts, so the generator meets the files it meets in the repo.
const SEEDED = [
  'libs/platform/src/sources/index.ts',
  'libs/platform/src/lake.ts',
  'libs/schemas/src/datasets/index.ts',
  'libs/fmp-connector/src/sources/index.ts',
  'tools/fmp-sandbox/src/sources/index.ts',
  ...readdirSync(join(REPO, 'apps/serving-api/src/routes/v1')).map(
    (f) => `apps/serving-api/src/routes/v1/${f}`,
  ),
  ...readdirSync(join(REPO, 'libs/schemas/src/datasets'))
    .filter((f) => f.endsWith('.ts') && !f.startsWith('fmp-dividends'))
    .map((f) => `libs/schemas/src/datasets/${f}`),
];

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  // The workspace formats with Prettier (the empty workspace names oxfmt).
  for (const f of tree.children('')) if (/oxfmt/.test(f)) tree.delete(f);
  tree.write('.prettierrc.json', readFileSync(join(REPO, '.prettierrc.json'), 'utf8'));
  for (const f of SEEDED) tree.write(f, readFileSync(join(REPO, f), 'utf8'));
  return tree;
}

describe('@finlake/workspace:source', () => {
  it('writes every layer of a rest source and registers it once in each registry', async () => {
    const tree = workspace();
    // Quotes as the repo's Prettier config leaves them (the virtual tree has no config on disk to read).
    const read = (f: string, _enc: 'utf-8') => tree.read(f, 'utf-8')!.replace(/"/g, "'");
    await sourceGenerator(tree, { name: 'fmp_dividends', kind: 'rest', path: '/stable/dividends' });
    for (const f of [
      'libs/platform/src/sources/fmp-dividends.ts',
      'libs/schemas/src/datasets/fmp-dividends.ts',
      'libs/fmp-connector/src/sources/fmp-dividends.ts',
      'tools/fmp-sandbox/src/sources/fmp-dividends.ts',
      'apps/glue-bronze-to-silver/src/finlake_glue/sources/fmp_dividends.py',
      'dbt/models/marts/daily_symbol_dividends.sql',
      'apps/serving-api/src/routes/v1/daily-symbol-dividends.ts',
      'docs/sources/fmp-dividends.md',
    ])
      expect(tree.exists(f), f).toBe(true);
    const platform = read('libs/platform/src/sources/fmp-dividends.ts', 'utf-8')!;
    expect(platform).toContain("silverTable: 'fmp_dividends'");
    expect(platform).toContain("dataset: 'dividends'");
    expect(platform).toContain("servedMart: 'daily_symbol_dividends'");
    const mart = read('dbt/models/marts/daily_symbol_dividends.sql', 'utf-8');
    expect(mart).toContain("gold_candidate_location('daily_symbol_dividends')");
    expect(mart).toContain("from {{ ref('stg_fmp__dividends') }}");
    expect(read('apps/serving-api/src/routes/v1/daily-symbol-dividends.ts', 'utf-8')).toContain(
      "url: '/symbols/:symbol/dividends'",
    );
    const routes = read('apps/serving-api/src/routes/v1/index.ts', 'utf-8');
    expect(routes).toMatch(/\n {2}dailySymbolDividendsRoutes,\n {2}\/\/ finlake:source-entries/);
    expect(read('libs/fmp-connector/src/sources/fmp-dividends.ts', 'utf-8')).toContain(
      "path: '/stable/dividends'",
    );
    const contract = read('libs/schemas/src/datasets/fmp-dividends.ts', 'utf-8')!;
    for (const name of [
      'fmp_dividends_wire_item',
      'fmp_dividends',
      'fmp_dividends_rejects',
      'stg_fmp__dividends',
      'daily_symbol_dividends',
    ])
      expect(contract).toContain(`'${name}'`);
    expect(contract).toContain('mayBeEmpty: true');
    const index = read('libs/schemas/src/datasets/index.ts', 'utf-8')!;
    const list = index.slice(index.indexOf('export const DATASETS'));
    expect(list.match(/fmpDividendsWireItem,/g)).toHaveLength(1);
    expect(index).toMatch(/export \* from ['"]\.\/fmp-dividends\.ts['"];/);
    // Above the markers, so the next source lands after this one.
    expect(index.indexOf('fmpDividendsRejects,')).toBeLessThan(index.indexOf('// finlake:source-entries'));
    expect(read('libs/platform/src/sources/index.ts', 'utf-8')).toMatch(/\n {2}FMP_DIVIDENDS,\n/);
    expect(read('tools/fmp-sandbox/src/sources/index.ts', 'utf-8')).toContain('fmpDividendsRoute,');
  });

  it('is idempotent: a second run changes nothing, even after the files were edited', async () => {
    const tree = workspace();
    await sourceGenerator(tree, { name: 'fmp_dividends' });
    tree.write('libs/schemas/src/datasets/fmp-dividends.ts', '// edited by hand\n');
    const before = new Map(tree.listChanges().map((c) => [c.path, c.content?.toString()]));
    await sourceGenerator(tree, { name: 'fmp_dividends' });
    const after = new Map(tree.listChanges().map((c) => [c.path, c.content?.toString()]));
    expect(after).toEqual(before);
  });

  it('refuses a name that exists, with the reason', async () => {
    await expect(sourceGenerator(workspace(), { name: 'fmp_news' })).rejects.toThrow(
      /source fmp_news: libs\/schemas\/src\/datasets\/fmp-news.ts already exist\(s\); pick another name/,
    );
    // A table declared in a file of another name is found by its contract's name.
    await expect(sourceGenerator(workspace(), { name: 'fmp_news_record' })).rejects.toThrow(
      /a dataset named fmp_news_record already exists; pick another name/,
    );
    await expect(sourceGenerator(workspace(), { name: 'fmp_eod_prices' })).rejects.toThrow(/already exist/);
    // Another source of the same entity would be served at the same mart and URL.
    const tree = workspace();
    await sourceGenerator(tree, { name: 'fmp_dividends' });
    await expect(sourceGenerator(tree, { name: 'acme_dividends' })).rejects.toThrow(
      /source acme_dividends: .*daily_symbol_dividends.* already exist/,
    );
    // The news mart's route is taken by a hand-written plugin.
    await expect(sourceGenerator(workspace(), { name: 'acme_daily_news' })).rejects.toThrow(
      /the API already serves \/symbols\/:symbol\/daily-news/,
    );
  });

  it.each([
    ['FmpDividends', /not <source>_<entity> in snake_case/],
    ['dividends', /not <source>_<entity>/],
    ['fmp__x', /not <source>_<entity>/],
    ['fmp_x_rejects', /suffix the platform uses/],
  ])('refuses the invalid name %s', async (name, message) => {
    await expect(sourceGenerator(workspace(), { name })).rejects.toThrow(message);
  });

  it('refuses a bad path and a kind it does not know', async () => {
    await expect(sourceGenerator(workspace(), { name: 'fmp_xy', path: 'stable x' })).rejects.toThrow(
      /not an API path/,
    );
    await expect(
      sourceGenerator(workspace(), { name: 'fmp_xy', kind: 'soap' as unknown as 'rest' }),
    ).rejects.toThrow(/--kind "soap" is not one of rest, stream/);
  });

  it('writes a stream source on the same layers, declared streamed, with its producer and flow documented', async () => {
    const tree = workspace();
    const read = (f: string) => tree.read(f, 'utf-8')!.replace(/"/g, "'");
    await sourceGenerator(tree, { name: 'fmp_quotes', kind: 'stream', fields: 'price:double' });
    expect(read('libs/platform/src/sources/fmp-quotes.ts')).toContain("kind: 'stream'");
    // The producer polls the same endpoint the connector declares; silver reads what Firehose lands.
    expect(read('libs/fmp-connector/src/sources/fmp-quotes.ts')).toContain("path: '/stable/quotes'");
    expect(read('apps/glue-bronze-to-silver/src/finlake_glue/sources/fmp_quotes.py')).toContain(
      'batch_json.transform(TABLE',
    );
    const page = read('docs/sources/fmp-quotes.md');
    expect(page).toContain('npx finlake stream run --dataset fmp_quotes --symbols AAPL,MSFT --for 30s');
    expect(page).toContain('fmp-quotes-hourly');
    expect(page).not.toContain('ingest fmp');
  });

  it('writes the endpoint`s fields into every layer, silver and gold under snake_case columns', async () => {
    const tree = workspace();
    const read = (f: string) => tree.read(f, 'utf-8')!.replace(/"/g, "'");
    await sourceGenerator(tree, {
      name: 'fmp_dividends',
      fields: 'adjDividend:double,recordDate:date?,frequency:string?,declared_count:integer',
    });
    // Compared without layout (Prettier wraps long lines): no whitespace, no trailing commas.
    const contract = read('libs/schemas/src/datasets/fmp-dividends.ts')
      .replace(/\s+/g, '')
      .replace(/,\)/g, ')');
    const section = (from: string, to: string) =>
      contract.slice(contract.indexOf(from), contract.indexOf(to));
    const wire = section('WireItem=defineDataset', 'exportconstfmpDividends=');
    const silver = section('exportconstfmpDividends=', 'Rejects=defineDataset');
    const gold = contract.slice(contract.indexOf('dailySymbolDividends=defineDataset'));
    // Bronze keeps the API's spelling; silver reads it into its own column by the declared wire name.
    expect(wire).toContain("adjDividend:col.double('adjDividendastheendpointsendsit.'),");
    expect(wire).toContain('recordDate:nullable(col.date(');
    expect(silver).toContain("adj_dividend:col.double('Theendpoint'sadjDividend.',wireName('adjDividend')),");
    expect(silver).toContain(
      "record_date:nullable(col.date('Theendpoint'srecordDate.',wireName('recordDate'))),",
    );
    expect(silver).toContain("declared_count:col.integer('Theendpoint'sdeclared_count.'),"); // no rename
    expect(gold).toContain("adj_dividend:col.double('Theendpoint'sadjDividend.',PUBLIC),");
    expect(gold).not.toContain('wireName');
    expect(contract).toContain("import{col,nullable,PUBLIC,wireName}from'../columns.ts';");
    const mart = read('dbt/models/marts/daily_symbol_dividends.sql');
    expect(mart).toContain('cast(adj_dividend as double) as adj_dividend');
    expect(mart).toContain('cast(record_date as date) as record_date');
    expect(mart).toContain('cast(declared_count as integer) as declared_count');
    const sandbox = read('tools/fmp-sandbox/src/sources/fmp-dividends.ts');
    expect(sandbox).toMatch(/adjDividend: Math\.round/);
    expect(sandbox).toMatch(/recordDate: next\(\) < 0\.1 \? null : date/);
    expect(read('docs/sources/fmp-dividends.md')).toMatch(
      /\| `recordDate` +\| `record_date` +\| date +\| yes +\|/,
    );
  });

  it('refuses fields it cannot build, naming every one and the form expected', async () => {
    const message = await sourceGenerator(workspace(), {
      name: 'fmp_xy',
      fields: 'price:money,symbol:string,Foo:double,a:double,a:double?,fooBar:double,foo_bar:date',
    }).catch((err: Error) => err.message);
    for (const part of [
      '"price:money": type money is not one of string, double, integer, date',
      '"symbol:string": symbol is the platform`s own column'.replace('`', "'"),
      '"Foo:double" is not name:type',
      '"a:double?": column a is given twice',
      '"foo_bar:date": column foo_bar is given twice',
      'Expected e.g. --fields adjDividend:double,recordDate:date?',
    ])
      expect(message).toContain(part);
    await expect(sourceGenerator(workspace(), { name: 'fmp_xy', fields: ' , ' })).rejects.toThrow(
      /--fields: no field given/,
    );
  });

  it('names a registry whose marker is gone', () => {
    expect(() => insertAtMarkers('export const X = [];\n', 'x.ts', { entries: '  A,' })).toThrow(
      /x.ts has no "\/\/ finlake:source-entries" line/,
    );
  });

  it('derives every name from the silver table', () => {
    expect(sourceNames('fmp_insider_trades')).toMatchObject({
      source: 'fmp',
      dataset: 'insider_trades',
      kebab: 'fmp-insider-trades',
      camel: 'fmpInsiderTrades',
      constant: 'FMP_INSIDER_TRADES',
      stagingModel: 'stg_fmp__insider_trades',
      path: '/stable/insider-trades',
      mart: { table: 'daily_symbol_insider_trades', kebab: 'daily-symbol-insider-trades' },
      route: '/symbols/:symbol/insider-trades',
    });
  });
});
