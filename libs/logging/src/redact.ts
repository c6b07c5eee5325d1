/**
 * Secret redaction applied to every log record: keys named like credentials are masked
 * wherever they appear, and credentials embedded in strings (API keys in URLs, bearer
 * tokens) are cut out, because URLs and error messages end up in logs verbatim.
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /(api[-_]?key|apikey|secret|token|password|passwd|authorization|credential|cookie|private[-_]?key|session[-_]?id)/i;
const SECRET_IN_QUERY =
  /([?&](?:api[-_]?key|apikey|token|access_token|secret|password|signature|x-amz-signature|x-amz-credential)=)[^&#\s"']+/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactString(value: string): string {
  return value.replace(SECRET_IN_QUERY, `$1${REDACTED}`).replace(BEARER, `$1 ${REDACTED}`);
}

/** Deep copy with secrets masked; bounded depth so a cyclic or huge object cannot stall logging. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactString(value.message),
      stack: value.stack && redactString(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
