/**
 * The endpoint's fields, from `--fields adjDividend:double,recordDate:date?,...`: each wire field (as the API
 * spells it), its silver column (snake_case, what Athena and dbt see), its type and whether it may be null.
 * `symbol` and `date` are every generated source's key and always in its contracts.
 */
export const FIELD_TYPES = ['string', 'double', 'integer', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface Field {
  /** The name in the API's JSON, e.g. adjDividend. */
  wire: string;
  /** The silver and gold column, e.g. adj_dividend. */
  column: string;
  type: FieldType;
  nullable: boolean;
}

/** What a source gets without --fields: one number per symbol and day. */
export const DEFAULT_FIELDS = 'value:double';

const FIELD = /^([a-z][A-Za-z0-9_]{0,62}):([a-z]+)(\?)?$/;
const COLUMN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** The key, the lineage the silver job adds, and the mart's day: never a field of the endpoint's own. */
const RESERVED = ['symbol', 'date', 'as_of_date', 'ingested_at', 'source_object', 'run_id'];

/** adjDividend -> adj_dividend (a name already in snake_case stays as it is). */
export const snakeCase = (wire: string) => wire.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The fields, or an error naming every entry that is wrong and the form expected. */
export function parseFields(spec: string = DEFAULT_FIELDS): Field[] {
  const problems: string[] = [];
  const fields: Field[] = [];
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!entries.length) problems.push('no field given');
  for (const entry of entries) {
    const m = FIELD.exec(entry);
    if (!m) {
      problems.push(`${JSON.stringify(entry)} is not name:type or name:type? (a name like adjDividend)`);
      continue;
    }
    const [, wire, type, optional] = m as unknown as [string, string, string, string | undefined];
    const column = snakeCase(wire);
    if (!(FIELD_TYPES as readonly string[]).includes(type))
      problems.push(`${JSON.stringify(entry)}: type ${type} is not one of ${FIELD_TYPES.join(', ')}`);
    else if (!COLUMN.test(column))
      problems.push(`${JSON.stringify(entry)}: ${wire} does not make a snake_case column (got ${column})`);
    else if (RESERVED.includes(column))
      problems.push(
        `${JSON.stringify(entry)}: ${column} is the platform's own column (symbol and date are the key)`,
      );
    else if (fields.some((f) => f.column === column))
      problems.push(`${JSON.stringify(entry)}: column ${column} is given twice`);
    else fields.push({ wire, column, type: type as FieldType, nullable: optional === '?' });
  }
  if (problems.length)
    throw new Error(
      `--fields: ${problems.join('; ')}. Expected e.g. --fields adjDividend:double,recordDate:date? (types ${FIELD_TYPES.join(', ')}; ? for a field that may be null)`,
    );
  return fields;
}
