import Type, { type TSchema } from 'typebox';

/**
 * Logical column types, shared by every engine the contracts are rendered for
 * (Spark, DuckDB, Athena). Each column schema carries its type in `x-sql-type` so the
 * generators never have to guess it from JSON types (a JSON number may be a double, a bigint or an
 * exact decimal). A decimal is spelt as every engine spells it, `decimal(p,s)`.
 */
export const SQL_TYPES = ['string', 'date', 'timestamp', 'double', 'bigint', 'integer', 'boolean'] as const;
export type BaseSqlType = (typeof SQL_TYPES)[number];
export type DecimalSqlType = `decimal(${number},${number})`;
export type SqlType = BaseSqlType | DecimalSqlType;

const DECIMAL = /^decimal\((\d+),(\d+)\)$/;
/** Doubles hold every decimal of up to 15 significant digits exactly enough to print it back. */
export const JSON_EXACT_DIGITS = 15;

/** Precision and scale of a decimal type; undefined for every other type. */
export function decimalOf(t: string): { precision: number; scale: number } | undefined {
  const m = DECIMAL.exec(t);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

export function isSqlType(t: unknown): t is SqlType {
  if (typeof t !== 'string') return false;
  if ((SQL_TYPES as readonly string[]).includes(t)) return true;
  const d = decimalOf(t);
  return d !== undefined && d.precision >= 1 && d.precision <= 38 && d.scale <= d.precision;
}

/**
 * The range in which a decimal served as a JSON number keeps every digit: up to 15 significant digits
 * any reader's double prints it back as sent. For the columns an API serves (the contract states it,
 * and the derived tests hold gold to it).
 */
export function jsonExactRange(precision: number, scale: number): { minimum: number; maximum: number } {
  const intDigits = Math.min(precision, JSON_EXACT_DIGITS) - scale;
  const max = Number(`${'9'.repeat(intDigits)}.${'9'.repeat(scale)}`);
  return { minimum: -max, maximum: max };
}

/**
 * Who may read a gold column: `public` (prices, returns, counts) or `restricted` (a portfolio's money
 * amounts). Infra turns it into the Lake Formation tag on the catalog column and the API drops a
 * restricted column for a caller without the restricted scope: one declaration, both enforcements.
 */
export const SENSITIVITIES = ['public', 'restricted'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** Extras for a gold column's builder: `col.double('...', PUBLIC)`, `{ ...RESTRICTED, minimum: 0 }`. */
export const PUBLIC = { 'x-sensitivity': 'public' } as const satisfies Record<string, Sensitivity>;
export const RESTRICTED = { 'x-sensitivity': 'restricted' } as const satisfies Record<string, Sensitivity>;

/**
 * Extras for a silver column whose wire field the API spells otherwise: `col.double('...', wireName('adjDividend'))`
 * makes the contract-driven silver job read `adjDividend` into `adj_dividend`.
 */
export const wireName = (name: string) => ({ 'x-wire-name': name }) as const;

export interface ColumnAnnotations {
  'x-sql-type': SqlType;
  'x-nullable'?: boolean;
  'x-sensitivity'?: Sensitivity;
  /** A silver column read from a wire field spelt otherwise (FMP's camelCase): the silver job maps it. */
  'x-wire-name'?: string;
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
  /** An exact decimal with `scale` places (money, prices); a JSON number where it is served. */
  decimal: (precision: number, scale: number, description: string, extra: Extra = {}) =>
    Type.Number(annotate(`decimal(${precision},${scale})`, description, { 'x-scale': scale, ...extra })),
  bigint: (description: string, extra: Extra = {}) => Type.Integer(annotate('bigint', description, extra)),
  integer: (description: string, extra: Extra = {}) =>
    Type.Integer(annotate('integer', description, { minimum: -2147483648, maximum: 2147483647, ...extra })),
  boolean: (description: string, extra: Extra = {}) => Type.Boolean(annotate('boolean', description, extra)),
};

/** A column that may be null: keeps the type, description and sensitivity on the outer schema. */
export function nullable<T extends TSchema>(schema: T) {
  const a = schema as unknown as ColumnAnnotations;
  return Type.Union([schema, Type.Null()], {
    description: a.description,
    'x-sql-type': a['x-sql-type'],
    'x-nullable': true,
    ...(a['x-sensitivity'] ? { 'x-sensitivity': a['x-sensitivity'] } : {}),
    ...(a['x-wire-name'] ? { 'x-wire-name': a['x-wire-name'] } : {}),
  });
}

export function columnAnnotations(schema: TSchema): ColumnAnnotations {
  const s = schema as Partial<ColumnAnnotations>;
  if (!isSqlType(s['x-sql-type'])) {
    throw new Error(`column schema lacks a valid x-sql-type: ${JSON.stringify(schema)}`);
  }
  if (!s.description) throw new Error(`column schema lacks a description: ${JSON.stringify(schema)}`);
  const sensitivity = s['x-sensitivity'];
  if (sensitivity !== undefined && !(SENSITIVITIES as readonly string[]).includes(sensitivity))
    throw new Error(
      `column schema has x-sensitivity ${JSON.stringify(sensitivity)}: use one of ${SENSITIVITIES.join(', ')}`,
    );
  const wire = s['x-wire-name'];
  if (wire !== undefined && (typeof wire !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(wire)))
    throw new Error(
      `column schema has x-wire-name ${JSON.stringify(wire)}: name the API's field, e.g. wireName('adjDividend')`,
    );
  return {
    'x-sql-type': s['x-sql-type'],
    'x-nullable': s['x-nullable'] === true,
    ...(sensitivity ? { 'x-sensitivity': sensitivity } : {}),
    ...(wire ? { 'x-wire-name': wire } : {}),
    description: s.description,
  };
}
