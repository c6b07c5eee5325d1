import { columnsOf, type Dataset } from './dataset.ts';
import { DATASETS } from './datasets/index.ts';

/**
 * Renders the artefacts other languages consume from the TS contracts:
 * - `json-schema/<name>.schema.json`: JSON Schema (draft 2020-12) with the `x-sql-type`
 *   annotations; read by the Glue/Spark job to build its explicit input and output schemas.
 * - `dbt/<name>.columns.yml`: the column list (name, data_type, description) for dbt YAML.
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
    'x-partition-by': dataset.partitionBy,
    // JSON round-trip drops TypeBox's symbol-keyed metadata.
    ...JSON.parse(JSON.stringify(dataset.schema)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const yamlString = (s: string) => JSON.stringify(s); // JSON strings are valid YAML flow scalars

export function renderDbtColumns(dataset: Dataset): string {
  const lines = [`# ${GENERATED_HEADER}`, `# ${dataset.description}`, 'columns:'];
  for (const c of columnsOf(dataset)) {
    lines.push(
      `  - name: ${c.name}`,
      `    data_type: ${c.sqlType}`,
      `    description: ${yamlString(c.description)}`,
    );
  }
  if (dataset.partitionBy.length > 0) {
    lines.push('partition_by:');
    for (const p of dataset.partitionBy) {
      lines.push(
        `  - name: ${p.name}`,
        `    data_type: ${p.sqlType}`,
        `    description: ${yamlString(p.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Every generated file, keyed by its path under `libs/schemas/generated/`. */
export function renderArtifacts(datasets: readonly Dataset[] = DATASETS): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of datasets) {
    files.set(`json-schema/${d.name}.schema.json`, renderJsonSchema(d));
    files.set(`dbt/${d.name}.columns.yml`, renderDbtColumns(d));
  }
  return files;
}
