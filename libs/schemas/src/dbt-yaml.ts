import { columnsOf, type Dataset } from './dataset.ts';
import { dailyPortfolioSummary } from './datasets/daily-portfolio-summary.ts';
import { fmpEodPrices } from './datasets/fmp-eod-prices.ts';

/**
 * dbt YAML rendered from the contracts, so the dbt project never restates a column: the silver
 * source (`fmp_eod_prices`) and the gold mart (`daily_portfolio_summary`). Written into the dbt
 * project by `schemas:generate`; a test fails when they are stale.
 */
const HEADER = '# Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.';

/** YAML via JSON: every JSON value is valid YAML, and no YAML library is needed. */
const y = (v: unknown) => JSON.stringify(v);

function columnBlock(dataset: Dataset, indent: string): string[] {
  const lines: string[] = [];
  for (const c of columnsOf(dataset)) {
    lines.push(
      `${indent}- name: ${c.name}`,
      `${indent}  description: ${y(c.description)}`,
      `${indent}  data_type: ${c.sqlType}`,
    );
    const tests = dataset.dbtTests?.columns?.[c.name];
    if (tests?.length) {
      lines.push(`${indent}  data_tests:`);
      for (const t of tests) lines.push(`${indent}    - ${y(t)}`);
    }
  }
  return lines;
}

function modelTests(dataset: Dataset, indent: string): string[] {
  const tests = dataset.dbtTests?.model ?? [];
  return tests.length ? [`${indent}data_tests:`, ...tests.map((t) => `${indent}  - ${y(t)}`)] : [];
}

export function renderDbtSources(): string {
  const d = fmpEodPrices;
  return [
    HEADER,
    'version: 2',
    'sources:',
    '  - name: silver',
    '    description: "The silver zone: typed, validated data written by the Glue (Spark) jobs."',
    // Locally the table is the Parquet tree under <lake>/silver; in AWS the Glue catalog table.
    `    schema: "{{ 'main' if target.type == 'duckdb' else env_var('FINLAKE_SILVER_DATABASE', 'finlake_' ~ target.name ~ '_silver') }}"`,
    '    freshness:',
    '      warn_after: { count: 3, period: day }',
    '      error_after: { count: 7, period: day }',
    '    loaded_at_field: ingested_at',
    '    tables:',
    `      - name: ${d.name}`,
    `        description: ${y(d.description)}`,
    '        config:',
    `          external_location: ${y(`read_parquet('{{ env_var("FINLAKE_LAKE_ROOT", ".lake") }}/silver/${d.name}/*/*/*.parquet', hive_partitioning = true)`)}`,
    ...modelTests(d, '        '),
    '        columns:',
    ...columnBlock(d, '          '),
    '',
  ].join('\n');
}

export function renderDbtMart(): string {
  const d = dailyPortfolioSummary;
  return [
    HEADER,
    'version: 2',
    'models:',
    `  - name: ${d.name}`,
    `    description: ${y(d.description)}`,
    ...modelTests(d, '    '),
    '    columns:',
    ...columnBlock(d, '      '),
    '',
  ].join('\n');
}

/** Paths relative to the repository root. */
export function renderDbtArtifacts(): Map<string, string> {
  return new Map([
    ['dbt/models/staging/_silver__sources.yml', renderDbtSources()],
    ['dbt/models/marts/daily_portfolio_summary.yml', renderDbtMart()],
  ]);
}
