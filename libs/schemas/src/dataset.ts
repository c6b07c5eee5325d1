import Type, { type Static, type TObject, type TProperties } from 'typebox';
import { columnAnnotations, type SqlType } from './columns.ts';

export type Zone = 'bronze' | 'silver' | 'gold';

/** One dataset contract: the single definition every language's artefacts are generated from. */
export interface Dataset<P extends TProperties = TProperties> {
  /** Table (or wire record) name, snake_case. */
  readonly name: string;
  readonly zone: Zone;
  readonly description: string;
  readonly schema: TObject<P>;
  /** Columns that identify one row. */
  readonly primaryKey: readonly string[];
  /** Hive partition columns derived when writing (not stored in the files). */
  readonly partitionBy: readonly { name: string; sqlType: SqlType; description: string }[];
  /**
   * Data tests for the dbt YAML rendered from this contract: per column and for the whole model.
   * Names and arguments follow dbt's built-ins and dbt_utils / dbt_expectations.
   */
  readonly dbtTests?: { columns?: Record<string, readonly unknown[]>; model?: readonly unknown[] };
}

export type Row<D extends Dataset> = Static<D['schema']>;

export function defineDataset<P extends TProperties>(
  def: Omit<Dataset<P>, 'schema'> & { properties: P; additionalProperties?: boolean },
): Dataset<P> {
  const { properties, additionalProperties = false, ...rest } = def;
  const schema = Type.Object(properties, { additionalProperties });
  for (const key of def.primaryKey) {
    if (!(key in properties)) throw new Error(`${def.name}: primary key column ${key} is not a column`);
  }
  // Fail at definition time, not in a generator, when a column lacks its annotations.
  for (const s of Object.values(properties)) columnAnnotations(s);
  return Object.freeze({ ...rest, schema });
}

export interface ColumnInfo {
  name: string;
  sqlType: SqlType;
  nullable: boolean;
  required: boolean;
  description: string;
}

/** The columns of a dataset in declaration order, with their logical types. */
export function columnsOf(dataset: Dataset): ColumnInfo[] {
  const required = new Set(dataset.schema.required ?? []);
  return Object.entries(dataset.schema.properties).map(([name, schema]) => {
    const a = columnAnnotations(schema);
    return {
      name,
      sqlType: a['x-sql-type'],
      nullable: a['x-nullable'] === true || !required.has(name),
      required: required.has(name),
      description: a.description,
    };
  });
}
