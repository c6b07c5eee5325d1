import type { FastifyReply } from 'fastify';
import Type, { type TObject, type TSchema } from 'typebox';
import { GOVERNANCE } from '@finlake/platform';
import { columnsOf, type Dataset } from '@finlake/schemas';
import type { Caller } from '@finlake/serving';

/** What every gold route shares: its query parameters, its page shape, its error bodies. */
export const MAX_RANGE_DAYS = 3700;
export const DATE = Type.String({ format: 'date', maxLength: 10, description: 'YYYY-MM-DD' });
export const LIMIT = Type.Integer({ minimum: 1, maximum: 500, default: 100 });
export const CURSOR = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,200}$',
  description: 'next_cursor of the previous page',
});
const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });
export const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 500: ErrorBody, 503: ErrorBody };

/** A from..to range: in order, and at most MAX_RANGE_DAYS long (one bounded scan per question). */
export function checkRange(from: string, to: string): string | undefined {
  if (from > to) return `from ${from} is after to ${to}`;
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_RANGE_DAYS)
    return `the range may span at most ${MAX_RANGE_DAYS} days`;
  return undefined;
}

/** A page of a mart's rows, keyed by what selected them (`portfolio_id`, `date`). */
export const Page = (key: string, row: TObject) =>
  Type.Object({
    ...(key ? { [key]: Type.String() } : {}),
    items: Type.Array(row),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  });

/**
 * A page's JSON, remembered per engine answer: a cached answer (the same rows array, see CachingEngine) is
 * serialized once, with the route's response schema, not on every request. `variant` separates callers
 * whose page differs for the same rows (the entitlement filter); the WeakMap lets pages go with their rows.
 */
const pages = new WeakMap<object, Map<string, string>>();
export function sendPage(reply: FastifyReply, rows: object, variant: string, build: () => unknown) {
  let byVariant = pages.get(rows);
  let body = byVariant?.get(variant);
  if (body === undefined) {
    body = reply.serialize(build()) as string;
    if (!byVariant) pages.set(rows, (byVariant = new Map()));
    byVariant.set(variant, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}

/**
 * A mart's column policy, from its contract's sensitivities (the same ones Lake Formation enforces in
 * AWS): a caller whose token lacks the restricted scope gets every row without the restricted columns.
 * `row` is the served schema: restricted columns optional and documented as such in the OpenAPI.
 */
export function columnPolicy(dataset: Dataset) {
  const restricted = columnsOf(dataset)
    .filter((c) => c.sensitivity === 'restricted')
    .map((c) => c.name);
  const properties: Record<string, TSchema> = {};
  for (const [name, schema] of Object.entries(dataset.schema.properties)) {
    const s = schema as TSchema & { description?: string };
    properties[name] = restricted.includes(name)
      ? Type.Optional({
          ...s,
          description:
            `${s.description ?? ''} Restricted: present only for tokens with scope ${GOVERNANCE.restrictedScope}.`.trim(),
        } as TSchema)
      : s;
  }
  return {
    restricted,
    row: Type.Object(properties, { additionalProperties: false }),
    /** Whether this caller sees the restricted columns: also the page cache's variant. */
    seesRestricted: (caller: Caller) => caller.scopes.includes(GOVERNANCE.restrictedScope),
    /** The rows as this caller may see them. */
    view<R extends object>(caller: Caller, rows: R[]): R[] {
      if (restricted.length === 0 || caller.scopes.includes(GOVERNANCE.restrictedScope)) return rows;
      return rows.map((r) => {
        const out = { ...r } as Record<string, unknown>;
        for (const c of restricted) delete out[c];
        return out as R;
      });
    },
  };
}
