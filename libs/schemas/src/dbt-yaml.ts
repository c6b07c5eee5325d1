import { columnsOf, type ColumnInfo, type Dataset } from './dataset.ts';
import { dailyPortfolioSummary } from './datasets/daily-portfolio-summary.ts';
import { fmpEodPrices } from './datasets/fmp-eod-prices.ts';
import { DATASETS } from './datasets/index.ts';

/**
 * The dbt project's contract-bound files, rendered from the contracts so dbt never restates a column:
 * the silver source with its tests, the staging model over it (SQL and YAML: renames only), and the
 * gold mart's YAML. Written into the dbt project by `schemas:generate`; a test fails when they are stale.
 *
 * Tests are derived from the contract's rules, not restated:
 * - primary key -> `unique_combination_of_columns` on the model and `not_null` on each key column;
 * - a column that may not be null -> `not_null`;
 * - minimum / maximum (exclusive or not) -> `expect_column_values_to_be_between` (`strictly` when exclusive),
 *   except an integer column's type range, which is not a rule about the data;
 * and the contract's `dbtTests` add what the rules do not imply (plausibility checks, often `warn`).
 */
const HEADER = '# Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.';
const SQL_HEADER = '-- Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.';

/** Where the files go, relative to the repository root. */
export const DBT_PATHS = {
  sources: 'dbt/models/staging/fmp/_fmp__sources.yml',
  staging: (model: string) => `dbt/models/staging/fmp/${model}`,
  mart: (model: string) => `dbt/models/marts/${model}.yml`,
} as const;

const INT32 = { min: -2147483648, max: 2147483647 };

/** YAML via JSON: every JSON value is valid YAML, and no YAML library is needed. */
const y = (v: unknown) => JSON.stringify(v);

type Test = unknown;

function between(args: Record<string, unknown>): Test {
  return { expect_column_values_to_be_between: { arguments: args } };
}

/** The tests a column's contract implies. */
export function columnRuleTests(c: ColumnInfo, primaryKey: readonly string[]): Test[] {
  const tests: Test[] = [];
  if (!c.nullable || primaryKey.includes(c.name)) tests.push('not_null');
  const b = c.bounds;
  const intRange = c.sqlType === 'integer';
  const lower =
    b.exclusiveMinimum !== undefined
      ? { value: b.exclusiveMinimum, strictly: true }
      : b.minimum !== undefined && !(intRange && b.minimum === INT32.min)
        ? { value: b.minimum, strictly: false }
        : undefined;
  const upper =
    b.exclusiveMaximum !== undefined
      ? { value: b.exclusiveMaximum, strictly: true }
      : b.maximum !== undefined && !(intRange && b.maximum === INT32.max)
        ? { value: b.maximum, strictly: false }
        : undefined;
  const strict = (s: boolean) => (s ? { strictly: true } : {});
  if (lower && upper && lower.strictly === upper.strictly) {
    tests.push(between({ min_value: lower.value, max_value: upper.value, ...strict(lower.strictly) }));
  } else {
    // dbt_expectations has one `strictly` for both ends: mixed bounds are two tests.
    if (lower) tests.push(between({ min_value: lower.value, ...strict(lower.strictly) }));
    if (upper) tests.push(between({ max_value: upper.value, ...strict(upper.strictly) }));
  }
  return tests;
}

export function modelRuleTests(primaryKey: readonly string[]): Test[] {
  return [{ unique_combination_of_columns: { arguments: { combination_of_columns: [...primaryKey] } } }];
}

interface RenderedColumn {
  name: string;
  description: string;
  sqlType: string;
  sensitivity?: string;
  tests: Test[];
}

function columnLines(columns: readonly RenderedColumn[], indent: string): string[] {
  const lines: string[] = [];
  for (const c of columns) {
    lines.push(
      `${indent}- name: ${c.name}`,
      `${indent}  description: ${y(c.description)}`,
      `${indent}  data_type: ${c.sqlType}`,
    );
    // dbt docs and the data dictionary show who may read the column (Lake Formation enforces it).
    if (c.sensitivity) lines.push(`${indent}  meta: { sensitivity: ${c.sensitivity} }`);
    if (c.tests.length) {
      lines.push(`${indent}  data_tests:`);
      for (const t of c.tests) lines.push(`${indent}    - ${y(t)}`);
    }
  }
  return lines;
}

function testLines(tests: readonly Test[], indent: string): string[] {
  return tests.length ? [`${indent}data_tests:`, ...tests.map((t) => `${indent}  - ${y(t)}`)] : [];
}

/** Recency of a table that names its event time and freshness: a warning, never a closed gate (a late
 * vendor is worth an alert, and the data that did arrive is still right). */
function recencyTests(d: Dataset): Test[] {
  if (!d.eventTime || !d.freshness) return [];
  return [
    {
      expect_row_values_to_have_recent_data: {
        arguments: { datepart: 'day', interval: d.freshness.warnAfterDays },
        config: { severity: 'warn' },
      },
    },
  ];
}

/** Every column with every test: the contract's rules and its extra `dbtTests`. */
function fullyTested(d: Dataset): { columns: RenderedColumn[]; model: Test[] } {
  return {
    columns: columnsOf(d).map((c) => ({
      name: c.name,
      description: c.description,
      sqlType: c.sqlType,
      ...(c.sensitivity ? { sensitivity: c.sensitivity } : {}),
      tests: [
        ...columnRuleTests(c, d.primaryKey),
        ...(c.name === d.eventTime ? recencyTests(d) : []),
        ...(d.dbtTests?.columns?.[c.name] ?? []),
      ],
    })),
    model: [...modelRuleTests(d.primaryKey), ...(d.dbtTests?.model ?? [])],
  };
}

/** The silver tables dbt reads: every source dataset with a staging model. */
/** The silver tables dbt reads: every silver contract with a staging model. */
export const DBT_SOURCES: readonly Dataset[] = DATASETS.filter((d) => d.zone === 'silver' && d.dbtStaging);

function sourceTableLines(d: Dataset): string[] {
  // A table that may not exist yet is tested through its staging model, which reads it as empty then.
  const tested = fullyTested(d);
  const { columns, model } = d.dbtStaging?.mayBeEmpty
    ? { columns: tested.columns.map((c) => ({ ...c, tests: [] })), model: [] }
    : tested;
  // Locally the table is the Parquet tree under <lake>/silver, one folder level per partition column.
  const glob = [...d.partitionBy.map(() => '*'), '*.parquet'].join('/');
  return [
    `      - name: ${d.name}`,
    `        description: ${y(d.description)}`,
    '        config:',
    `          external_location: ${y(`read_parquet('{{ env_var("FINLAKE_LAKE_ROOT", ".lake") }}/silver/${d.name}/${glob}', hive_partitioning = true)`)}`,
    // dbt's freshness query cannot read a table that has not landed yet (locally): see the staging model.
    ...(d.dbtStaging?.mayBeEmpty
      ? ['        freshness: null']
      : d.freshness
        ? [
            '        freshness:',
            `          warn_after: { count: ${d.freshness.warnAfterDays}, period: day }`,
            `          error_after: { count: ${d.freshness.errorAfterDays}, period: day }`,
          ]
        : []),
    ...testLines(model, '        '),
    '        columns:',
    ...columnLines(columns, '          '),
  ];
}

export function renderDbtSources(): string {
  return [
    HEADER,
    'version: 2',
    'sources:',
    '  - name: silver',
    '    description: "The silver zone: typed, validated data written by the Glue (Spark) jobs."',
    // Locally the table is the Parquet tree under <lake>/silver; in AWS the Glue catalog table.
    `    schema: "{{ 'main' if target.type == 'duckdb' else env_var('FINLAKE_SILVER_DATABASE', 'finlake_' ~ target.name ~ '_silver') }}"`,
    '    loaded_at_field: ingested_at',
    '    tables:',
    ...DBT_SOURCES.flatMap(sourceTableLines),
    '',
  ].join('\n');
}

/** DuckDB's spelling of a contract type (the empty stand-in of a streamed table is local only). */
function duckdbType(t: string): string {
  return (
    (
      {
        string: 'varchar',
        timestamp: 'timestamptz',
        double: 'double',
        bigint: 'bigint',
        integer: 'integer',
        boolean: 'boolean',
        date: 'date',
      } as Record<string, string>
    )[t] ?? t
  );
}

function staging(d: Dataset) {
  const s = d.dbtStaging;
  if (!s) throw new Error(`${d.name} declares no dbt staging model`);
  const rename = s.rename ?? {};
  const partitions: ColumnInfo[] = d.partitionBy
    .filter((p) => s.partitions?.includes(p.name))
    .map((p) => ({
      name: p.name,
      sqlType: p.sqlType,
      nullable: false,
      required: true,
      description: p.description,
      bounds: {},
    }));
  const kept = [...columnsOf(d).filter((c) => !s.exclude?.includes(c.name)), ...partitions];
  return { ...s, rename, kept, as: (name: string) => rename[name] ?? name };
}

/** The staging model: the source's columns, renamed, in contract order; nothing computed. */
export function renderDbtStagingSql(d: Dataset = fmpEodPrices): string {
  const s = staging(d);
  const select = s.kept.map((c) => (s.rename[c.name] ? `${c.name} as ${s.rename[c.name]}` : c.name));
  const source = s.mayBeEmpty
    ? [
        `{%- if silver_has_files('${d.name}', ${d.partitionBy.length}) %}`,
        `    select * from {{ source('silver', '${d.name}') }}`,
        '{%- else %}',
        "    -- Nothing landed yet: the contract's columns, typed, and no rows.",
        '    select',
        s.kept
          .map(
            (c, i) =>
              `        cast(null as ${duckdbType(c.sqlType)}) as ${c.name}${i < s.kept.length - 1 ? ',' : ''}`,
          )
          .join('\n'),
        '    where false',
        '{%- endif %}',
      ]
    : [`    select * from {{ source('silver', '${d.name}') }}`];
  return [
    SQL_HEADER,
    `-- ${s.description}`,
    'with',
    '',
    'source as (',
    '',
    ...source,
    '',
    '),',
    '',
    'renamed as (',
    '',
    '    select',
    select.map((line, i) => `        ${line}${i < select.length - 1 ? ',' : ''}`).join('\n'),
    '',
    '    from source',
    '',
    ')',
    '',
    'select * from renamed',
    '',
  ].join('\n');
}

/**
 * The staging model's YAML: descriptions and types from the contract under the new names. Its rows are
 * the source's, renamed (generated SQL), and the source's tests already ran on them: the model is tested
 * only for holding exactly the source's rows (testing every rule again would scan silver twice a night).
 */
export function renderDbtStagingYaml(d: Dataset = fmpEodPrices): string {
  const s = staging(d);
  const tested = fullyTested(d);
  const testsOf = (name: string) =>
    s.mayBeEmpty ? (tested.columns.find((c) => c.name === name)?.tests ?? []) : [];
  const columns = s.kept.map((c) => ({
    name: s.as(c.name),
    description: c.description,
    sqlType: c.sqlType,
    tests: testsOf(c.name),
  }));
  return [
    HEADER,
    'version: 2',
    'models:',
    `  - name: ${s.model}`,
    `    description: ${y(s.description)}`,
    // Staging only renames: it holds exactly its source's rows (a table that may not exist yet is tested
    // here instead, with the source's own tests).
    ...testLines(
      s.mayBeEmpty
        ? tested.model
        : [
            {
              expect_table_row_count_to_equal_other_table: {
                arguments: { compare_model: `source('silver', '${d.name}')` },
              },
            },
          ],
      '    ',
    ),
    '    columns:',
    ...columnLines(columns, '      '),
    '',
  ].join('\n');
}

export function renderDbtMart(d: Dataset = dailyPortfolioSummary): string {
  const { columns, model } = fullyTested(d);
  return [
    HEADER,
    'version: 2',
    'models:',
    `  - name: ${d.name}`,
    `    description: ${y(d.description)}`,
    ...testLines(model, '    '),
    '    columns:',
    ...columnLines(columns, '      '),
    '',
  ].join('\n');
}

/** Paths relative to the repository root. */
export function renderDbtArtifacts(): Map<string, string> {
  const staged = DBT_SOURCES.flatMap((d) => {
    const model = d.dbtStaging!.model;
    return [
      [DBT_PATHS.staging(`${model}.sql`), renderDbtStagingSql(d)],
      [DBT_PATHS.staging(`${model}.yml`), renderDbtStagingYaml(d)],
    ] as [string, string][];
  });
  return new Map([
    [DBT_PATHS.sources, renderDbtSources()],
    ...staged,
    // Every gold contract is a mart: the two written by hand and each generated source's.
    ...DATASETS.filter((d) => d.zone === 'gold').map(
      (d) => [DBT_PATHS.mart(d.name), renderDbtMart(d)] as [string, string],
    ),
  ]);
}
