import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { columnRuleTests, columnsOf, DATASETS, DBT_SOURCES } from '@finlake/schemas';

// Every dbt model is tested, and every contract column with a rule has a test where dbt reads it: the
// suite cannot silently lose a test when a model is added or a YAML is edited.
const root = join(import.meta.dirname, '..', '..', '..');

interface Node {
  data_tests?: unknown[];
  columns?: { name: string; data_tests?: unknown[] }[];
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name));
}

/** Tests per dbt node (`model:<name>` or `source:<name>`): model-level, per column, and unit tests. */
function testsOf(dbtDir: string) {
  const nodes = new Map<string, { model: number; columns: Map<string, number>; unit: number }>();
  const node = (key: string) => {
    if (!nodes.has(key)) nodes.set(key, { model: 0, columns: new Map(), unit: 0 });
    return nodes.get(key)!;
  };
  const add = (key: string, n: Node) => {
    const e = node(key);
    e.model += n.data_tests?.length ?? 0;
    for (const c of n.columns ?? [])
      e.columns.set(c.name, (e.columns.get(c.name) ?? 0) + (c.data_tests?.length ?? 0));
  };
  for (const f of filesUnder(join(dbtDir, 'models'), '.yml')) {
    const doc = parse(readFileSync(f, 'utf8')) ?? {};
    for (const m of doc.models ?? []) add(`model:${m.name}`, m);
    for (const s of doc.sources ?? []) for (const t of s.tables ?? []) add(`source:${t.name}`, t);
    for (const u of doc.unit_tests ?? []) node(`model:${u.model}`).unit++;
  }
  return nodes;
}

/** What the suite lacks: models without any test, contract columns with a rule but no test. */
function gaps(dbtDir: string): string[] {
  const nodes = testsOf(dbtDir);
  const out: string[] = [];
  for (const sql of filesUnder(join(dbtDir, 'models'), '.sql')) {
    const name = sql
      .split('/')
      .at(-1)!
      .replace(/\.sql$/, '');
    const n = nodes.get(`model:${name}`);
    const total = n ? n.model + n.unit + [...n.columns.values()].reduce((a, b) => a + b, 0) : 0;
    if (total === 0) out.push(`model ${name} (${relative(dbtDir, sql)}) has no test`);
  }
  // Where each contract's rules are tested: a silver source's on the source table (or, for a table that
  // may not exist yet, on its staging model); a gold mart's on the mart.
  for (const d of DATASETS) {
    const where = DBT_SOURCES.includes(d)
      ? d.dbtStaging?.mayBeEmpty
        ? `model:${d.dbtStaging.model}`
        : `source:${d.name}`
      : d.zone === 'gold'
        ? `model:${d.name}`
        : undefined;
    if (!where) continue;
    const rename = (c: string) => (where.startsWith('model:stg') ? (d.dbtStaging?.rename?.[c] ?? c) : c);
    // The one exception: a lineage column the models never read, excluded from the staging model of a table
    // that may not exist yet, has no node to be tested on (its writer, the silver job, sets it).
    const untestable = new Set(where.startsWith('model:stg') ? (d.dbtStaging?.exclude ?? []) : []);
    for (const c of columnsOf(d).filter((x) => !untestable.has(x.name)))
      if (
        columnRuleTests(c, d.primaryKey).length > 0 &&
        !(nodes.get(where)?.columns.get(rename(c.name)) ?? 0)
      )
        out.push(`${d.name}.${c.name} has a rule in its contract but no test on ${where}`);
  }
  return out;
}

describe('the quality suite', () => {
  it('tests every dbt model and every contract column with a rule', () => {
    expect(gaps(join(root, 'dbt'))).toEqual([]);
  });

  it('reports a model without tests and a contract column whose test was dropped', () => {
    const copy = mkdtempSync(join(tmpdir(), 'quality-suite-'));
    try {
      cpSync(join(root, 'dbt', 'models'), join(copy, 'models'), { recursive: true });
      writeFileSync(join(copy, 'models', 'marts', 'untested_mart.sql'), 'select 1 as x\n');
      const mart = join(copy, 'models', 'marts', 'daily_portfolio_summary.yml');
      const doc = parse(readFileSync(mart, 'utf8'));
      const col = doc.models[0].columns.find((c: Node & { name: string }) => c.name === 'market_value');
      delete col.data_tests;
      writeFileSync(mart, JSON.stringify(doc));
      expect(gaps(copy)).toEqual([
        'model untested_mart (models/marts/untested_mart.sql) has no test',
        'daily_portfolio_summary.market_value has a rule in its contract but no test on model:daily_portfolio_summary',
      ]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
