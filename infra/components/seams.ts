// Pure evaluators for the two things a seam test must run real keys through: an IAM policy (does this
// role's policy allow this action on this object?) and an EventBridge pattern (does this event match?).
// The program uses them at preview time to refuse a stack whose parts contradict each other, and the
// tests run the keys the connector really writes through the policies the program really renders.
import type { Statement } from './iam.ts';

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
const list = (v: string[] | string) => (Array.isArray(v) ? v : [v]);

export interface Request {
  action: string;
  resource: string;
  /** Condition keys of the request, e.g. `s3:prefix` for ListBucket. */
  context?: Record<string, string>;
}

function conditionsHold(s: Statement, ctx: Record<string, string>): boolean {
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, want] of Object.entries(keys)) {
      const have = ctx[key];
      const wants = (Array.isArray(want) ? want : [want]).map(String);
      if (have === undefined) return false;
      if (op === 'StringLike' && !wants.some((w) => wildcard(w).test(have))) return false;
      if ((op === 'StringEquals' || op === 'ArnEquals') && !wants.includes(have)) return false;
      if (!['StringLike', 'StringEquals', 'ArnEquals'].includes(op))
        throw new Error(`seams: condition operator ${op} is not modelled; add it before relying on it`);
    }
  }
  return true;
}

const applies = (s: Statement, r: Request) =>
  list(s.Action).some((a) => wildcard(a).test(r.action)) &&
  list(s.Resource).some((res) => wildcard(res).test(r.resource)) &&
  conditionsHold(s, r.context ?? {});

/** IAM's decision for one request against identity-policy statements: an explicit deny wins, else any allow. */
export function isAllowed(statements: Statement[], r: Request): boolean {
  if (statements.some((s) => s.Effect === 'Deny' && applies(s, r))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s, r));
}

/** The object keys (of `bucketArn`) that `statements` would not let `action` touch. */
export function deniedKeys(
  statements: Statement[],
  bucketArn: string,
  action: string,
  keys: string[],
): string[] {
  return keys.filter((k) => !isAllowed(statements, { action, resource: `${bucketArn}/${k}` }));
}

type Pattern = { [k: string]: Pattern | unknown[] };

function matchValue(rule: unknown, value: unknown): boolean {
  if (rule !== null && typeof rule === 'object') {
    const r = rule as Record<string, unknown>;
    if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
    if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
    if ('wildcard' in r) return typeof value === 'string' && wildcard(String(r.wildcard)).test(value);
    if ('anything-but' in r) return !list(r['anything-but'] as string[]).includes(value as string);
    throw new Error(`seams: event pattern operator ${Object.keys(r).join(',')} is not modelled`);
  }
  return rule === value;
}

/** EventBridge's matching: every field of the pattern present in the event, each matching one of its values. */
export function matchesEventPattern(pattern: Pattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const value = event[field];
    if (Array.isArray(rule)) return rule.some((r) => matchValue(r, value));
    return (
      value !== null &&
      typeof value === 'object' &&
      matchesEventPattern(rule as Pattern, value as Record<string, unknown>)
    );
  });
}

/** The EventBridge event S3 sends for a new object (the fields a rule can match on). */
export function s3ObjectCreatedEvent(bucket: string, key: string): Record<string, unknown> {
  return {
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 1, etag: 'e' },
      reason: 'PutObject',
    },
  };
}

export class SeamError extends Error {
  override name = 'SeamError';
}
