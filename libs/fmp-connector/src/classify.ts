import { FatalAuthError, RetryableError, UnitFailedError } from './errors.ts';
import { parseRetryAfter } from './retry-after.ts';

export interface ClassifiedOk {
  rows: number;
}

const INVALID_KEY = /invalid api key/i;
const LIMIT = /limit reach/i;
const PLAN =
  /^(premium query parameter|special endpoint|exclusive endpoint|restricted endpoint|legacy endpoint)/i;

function errorMessageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const m = (body as Record<string, unknown>)['Error Message'];
    if (typeof m === 'string') return m;
  }
  return undefined;
}

/**
 * Decides what an FMP answer means, from status, headers and body together: FMP has sent
 * `{"Error Message": ...}` with status 200, so the body is always checked. Returns the row count
 * of a good answer; throws one of RetryableError, UnitFailedError or FatalAuthError otherwise.
 */
export function classifyAnswer(status: number, headers: Headers, text: string): ClassifiedOk {
  let body: unknown;
  let parsed = true;
  try {
    body = JSON.parse(text);
  } catch {
    parsed = false;
  }
  const apiMessage = parsed ? errorMessageOf(body) : undefined;
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));

  if (status === 401 || (apiMessage && INVALID_KEY.test(apiMessage))) {
    throw new FatalAuthError(apiMessage ?? `HTTP ${status}`);
  }
  if (status === 408 || status === 429 || status >= 500) {
    throw new RetryableError(`HTTP ${status}${apiMessage ? `: ${apiMessage}` : ''}`, status, retryAfterMs);
  }
  if (status === 402 || status === 403) {
    const why = status === 402 ? 'plan-restricted' : 'forbidden (legacy endpoint?)';
    throw new UnitFailedError(`HTTP ${status} ${why}: ${apiMessage ?? text.slice(0, 200)}`, status);
  }
  if (status < 200 || status >= 300) {
    throw new UnitFailedError(`HTTP ${status}: ${apiMessage ?? text.slice(0, 200)}`, status);
  }
  if (!parsed)
    throw new RetryableError(`HTTP ${status} with truncated or invalid JSON (${text.length} bytes)`, status);
  if (apiMessage !== undefined) {
    if (LIMIT.test(apiMessage))
      throw new RetryableError(`HTTP ${status} with Error Message: ${apiMessage}`, status, retryAfterMs);
    if (PLAN.test(apiMessage))
      throw new UnitFailedError(`HTTP ${status} with Error Message: ${apiMessage}`, status);
    throw new RetryableError(`HTTP ${status} with Error Message: ${apiMessage}`, status, retryAfterMs);
  }
  if (!Array.isArray(body)) {
    throw new RetryableError(`HTTP ${status} with a JSON ${typeof body} where an array was expected`, status);
  }
  return { rows: body.length };
}
