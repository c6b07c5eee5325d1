import type { TSchema } from 'typebox';
import { RECORDS } from './records.ts';

/**
 * Python TypedDicts for the run records, rendered into the flows package (the records' Python reader):
 * `finlake_flows/records.py`. Functional syntax, since record keys such as `from` are Python keywords.
 */
const HEADER = '# Generated from libs/schemas by `npx nx run schemas:generate`. Do not edit.';
export const PYTHON_RECORDS_PATH = 'apps/flows/src/finlake_flows/records.py';

type Json = Record<string, unknown>;
const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

function pyType(schema: Json, name: string, out: string[]): string {
  if (Array.isArray(schema.anyOf)) {
    const parts = (schema.anyOf as Json[]).map((s, i) => pyType(s, `${name}${i}`, out));
    if (parts.every((p) => p.startsWith('Literal[')))
      return `Literal[${parts.map((p) => p.slice(8, -1)).join(', ')}]`;
    return parts.join(' | ');
  }
  if ('const' in schema) return `Literal[${JSON.stringify(schema.const)}]`;
  switch (schema.type) {
    case 'string':
      return 'str';
    case 'integer':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'None';
    case 'array':
      return `list[${pyType(schema.items as Json, name, out)}]`;
    case 'object':
      if (schema.properties) return typedDict(schema, name, out);
      if (schema.patternProperties) {
        const [value] = Object.values(schema.patternProperties as Record<string, Json>);
        return `dict[str, ${pyType(value!, name, out)}]`;
      }
      return 'dict[str, object]';
    default:
      throw new Error(
        `python-records: ${name} has a schema the renderer does not know: ${JSON.stringify(schema)}`,
      );
  }
}

function typedDict(schema: Json, name: string, out: string[]): string {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = Object.entries(schema.properties as Record<string, Json>).map(([key, s]) => {
    const t = pyType(s, `${name}${pascal(key)}`, out);
    return `        ${JSON.stringify(key)}: ${required.has(key) ? t : `NotRequired[${t}]`},`;
  });
  const doc = schema.description ? `# ${schema.description as string}\n` : '';
  out.push(
    `${doc}${name} = TypedDict(\n    ${JSON.stringify(name)},\n    {\n${fields.join('\n')}\n    },\n)\n`,
  );
  return name;
}

export function renderPythonRecords(records: Readonly<Record<string, TSchema>> = RECORDS): string {
  const out: string[] = [];
  for (const [name, schema] of Object.entries(records)) {
    // JSON round-trip: TypeBox's symbol-keyed metadata stays behind.
    typedDict(JSON.parse(JSON.stringify(schema)) as Json, pascal(name), out);
  }
  return [
    HEADER,
    '"""The run records stages write and the flows read, typed (see libs/schemas/src/records.ts)."""',
    '',
    'from typing import Literal, NotRequired, TypedDict',
    '',
    out.join('\n\n'),
  ].join('\n');
}
