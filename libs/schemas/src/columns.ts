import Type, { type TSchema } from 'typebox';

/**
 * Logical column types, shared by every engine the contracts are rendered for
 * (Spark, DuckDB, Athena). Each column schema carries its type in `x-sql-type` so the
 * generators never have to guess it from JSON types (a JSON number may be a double or a bigint).
 */
export const SQL_TYPES = ['string', 'date', 'timestamp', 'double', 'bigint', 'integer', 'boolean'] as const;
export type SqlType = (typeof SQL_TYPES)[number];

export interface ColumnAnnotations {
  'x-sql-type': SqlType;
  'x-nullable'?: boolean;
  description: string;
}

export type ColumnSchema = TSchema & ColumnAnnotations;

type Extra = Record<string, unknown>;

const annotate = (sqlType: SqlType, description: string, extra: Extra = {}) => ({
  description,
  'x-sql-type': sqlType,
  ...extra,
});

/** Column builders: one line per column in a dataset contract. */
export const col = {
  string: (description: string, extra: Extra = {}) => Type.String(annotate('string', description, extra)),
  /** ISO calendar date, YYYY-MM-DD. */
  date: (description: string, extra: Extra = {}) =>
    Type.String(annotate('date', description, { format: 'date', ...extra })),
  /** ISO 8601 instant with offset. */
  timestamp: (description: string, extra: Extra = {}) =>
    Type.String(annotate('timestamp', description, { format: 'date-time', ...extra })),
  double: (description: string, extra: Extra = {}) => Type.Number(annotate('double', description, extra)),
  bigint: (description: string, extra: Extra = {}) => Type.Integer(annotate('bigint', description, extra)),
  integer: (description: string, extra: Extra = {}) =>
    Type.Integer(annotate('integer', description, { minimum: -2147483648, maximum: 2147483647, ...extra })),
  boolean: (description: string, extra: Extra = {}) => Type.Boolean(annotate('boolean', description, extra)),
};

/** A column that may be null: keeps the type and description on the outer schema for the generators. */
export function nullable<T extends TSchema>(schema: T) {
  const { description, 'x-sql-type': sqlType } = schema as unknown as ColumnAnnotations;
  return Type.Union([schema, Type.Null()], { description, 'x-sql-type': sqlType, 'x-nullable': true });
}

export function columnAnnotations(schema: TSchema): ColumnAnnotations {
  const s = schema as Partial<ColumnAnnotations>;
  if (!s['x-sql-type'] || !SQL_TYPES.includes(s['x-sql-type'])) {
    throw new Error(`column schema lacks a valid x-sql-type: ${JSON.stringify(schema)}`);
  }
  if (!s.description) throw new Error(`column schema lacks a description: ${JSON.stringify(schema)}`);
  return {
    'x-sql-type': s['x-sql-type'],
    'x-nullable': s['x-nullable'] === true,
    description: s.description,
  };
}
