import type { TObject } from 'typebox';
import type { Dataset } from './dataset.ts';
import { DATASETS } from './datasets/index.ts';
import { renderDbtArtifacts } from './dbt-yaml.ts';
import { PYTHON_RECORDS_PATH, renderPythonRecords } from './python-records.ts';
import { RECORDS } from './records.ts';

/**
 * Renders the artefacts other languages consume from the TS contracts:
 * - `json-schema/<name>.schema.json`: JSON Schema (draft 2020-12) with the `x-sql-type`
 *   annotations; read by the Glue/Spark job to build its explicit input and output schemas.
 * (dbt's YAML is rendered from the same contracts by dbt-yaml.ts, into the dbt project.)
 * Paths are relative to `libs/schemas/generated/`.
 */
export const GENERATED_HEADER = 'Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.';

export function renderJsonSchema(dataset: Dataset): string {
  const doc = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://finlake.dev/schemas/${dataset.name}.schema.json`,
    $comment: GENERATED_HEADER,
    title: dataset.name,
    description: dataset.description,
    'x-zone': dataset.zone,
    'x-primary-key': dataset.primaryKey,
    ...(dataset.eventTime ? { 'x-event-time': dataset.eventTime } : {}),
    'x-partition-by': dataset.partitionBy,
    // JSON round-trip drops TypeBox's symbol-keyed metadata.
    ...JSON.parse(JSON.stringify(dataset.schema)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A run record (records.ts) as JSON Schema, for readers in any language. */
export function renderRecordSchema(name: string, schema: TObject): string {
  const doc = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://finlake.dev/schemas/${name}.schema.json`,
    $comment: GENERATED_HEADER,
    title: name,
    ...JSON.parse(JSON.stringify(schema)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Every generated file, keyed by its path under `libs/schemas/generated/`. */
export function renderArtifacts(datasets: readonly Dataset[] = DATASETS): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of datasets) {
    files.set(`json-schema/${d.name}.schema.json`, renderJsonSchema(d));
  }
  if (datasets === DATASETS) {
    for (const [name, schema] of Object.entries(RECORDS)) {
      files.set(`json-schema/${name}.schema.json`, renderRecordSchema(name, schema));
    }
  }
  return files;
}

/** Files rendered into other projects (the dbt project, the flows), keyed by their path from the repo root. */
export function renderRepoArtifacts(): Map<string, string> {
  return new Map([...renderDbtArtifacts(), [PYTHON_RECORDS_PATH, renderPythonRecords()]]);
}
