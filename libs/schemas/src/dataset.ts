import Type, { type Static, type TObject, type TProperties } from 'typebox';
import { columnAnnotations, type Sensitivity, type SqlType } from './columns.ts';

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
  /**
   * The column that says when a row happened (a date or timestamp): what freshness ("now minus the newest
   * row") and recency checks read. Silver and gold tables name one.
   */
  readonly eventTime?: string;
  /**
   * How recent the data must be, in days: dbt's source freshness on silver (by `ingested_at`), and a
   * recency test on `eventTime` (severity warn) for every table that names both.
   */
  readonly freshness?: { readonly warnAfterDays: number; readonly errorAfterDays: number };
  /** Hive partition columns derived when writing (not stored in the files). */
  readonly partitionBy: readonly { name: string; sqlType: SqlType; description: string }[];
  /**
   * dbt tests the contract's rules do not imply (plausibility checks, often `severity: warn`), added to
   * the ones derived from it (see dbt-yaml.ts): per column and for the whole model. Names and
   * arguments follow dbt's built-ins and dbt_utils / dbt_expectations.
   */
  readonly dbtTests?: { columns?: Record<string, readonly unknown[]>; model?: readonly unknown[] };
  /**
   * The dbt staging model over this dataset (silver sources only): the style guide's
   * `stg_<source>__<entity>s`, which only renames (and drops lineage columns the models do not use).
   * Its SQL and YAML are generated, so staging cannot disagree with the contract.
   */
  readonly dbtStaging?: {
    readonly model: string;
    readonly description: string;
    readonly rename?: Readonly<Record<string, string>>;
    readonly exclude?: readonly string[];
    /** Partition columns the models need as columns (a streamed table's session_date). */
    readonly partitions?: readonly string[];
    /**
     * A streamed table exists locally only after its first batch: the model then reads no rows (the
     * contract's columns, typed) instead of failing on an empty glob.
     */
    readonly mayBeEmpty?: boolean;
  };
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
  if (def.eventTime !== undefined) {
    const t =
      def.eventTime in properties ? columnAnnotations(properties[def.eventTime]!)['x-sql-type'] : undefined;
    if (t !== 'date' && t !== 'timestamp')
      throw new Error(`${def.name}: eventTime ${def.eventTime} must be a date or timestamp column`);
  }
  const f = def.freshness;
  if (
    f &&
    !(Number.isInteger(f.warnAfterDays) && f.warnAfterDays >= 1 && f.errorAfterDays >= f.warnAfterDays)
  )
    throw new Error(`${def.name}: freshness needs whole days, 1 <= warnAfterDays <= errorAfterDays`);
  if (f && !def.eventTime) throw new Error(`${def.name}: freshness needs an eventTime column to measure`);
  const staged = def.dbtStaging;
  for (const key of [...Object.keys(staged?.rename ?? {}), ...(staged?.exclude ?? [])]) {
    if (!(key in properties))
      throw new Error(`${def.name}: staging names column ${key}, which is not a column`);
  }
  for (const key of Object.keys(def.dbtTests?.columns ?? {})) {
    if (!(key in properties))
      throw new Error(`${def.name}: dbt tests name column ${key}, which is not a column`);
  }
  for (const key of staged?.partitions ?? []) {
    if (!def.partitionBy.some((p) => p.name === key))
      throw new Error(`${def.name}: staging keeps partition ${key}, which is not a partition column`);
  }
  // Fail at definition time, not in a generator, when a column lacks its annotations.
  for (const [key, s] of Object.entries(properties)) {
    const a = columnAnnotations(s);
    // Gold is what is served and granted: every column says who may read it (no default to forget).
    if (def.zone === 'gold' && !a['x-sensitivity'])
      throw new Error(
        `${def.name}: gold column ${key} has no x-sensitivity: pass { 'x-sensitivity': 'public' | 'restricted' }`,
      );
  }
  return Object.freeze({ ...rest, schema });
}

export interface ColumnInfo {
  name: string;
  sqlType: SqlType;
  nullable: boolean;
  required: boolean;
  description: string;
  /** Who may read it (gold columns; undefined elsewhere). */
  sensitivity?: Sensitivity;
  /** The wire field a silver column is read from, when the API spells it otherwise (`wireName`). */
  wireName?: string;
  /** Value bounds the contract states (JSON Schema minimum / exclusiveMinimum / maximum / exclusiveMaximum). */
  bounds: ColumnBounds;
}

export interface ColumnBounds {
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
}

const BOUND_KEYS = ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum'] as const;

/** The bounds of a column schema (looking inside a nullable union). */
function boundsOf(schema: Record<string, unknown>): ColumnBounds {
  const inner = Array.isArray(schema.anyOf) ? (schema.anyOf[0] as Record<string, unknown>) : schema;
  const bounds: ColumnBounds = {};
  for (const k of BOUND_KEYS) if (typeof inner[k] === 'number') bounds[k] = inner[k];
  return bounds;
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
      ...(a['x-sensitivity'] ? { sensitivity: a['x-sensitivity'] } : {}),
      ...(a['x-wire-name'] ? { wireName: a['x-wire-name'] } : {}),
      bounds: boundsOf(schema as unknown as Record<string, unknown>),
    };
  });
}
