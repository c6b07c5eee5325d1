import { secretNamePattern } from '@finlake/platform';
/** How a call failed decides what the run does next. */

/** Worth another attempt: 408, 429, 5xx, network errors, timeouts, truncated or invalid JSON. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The server's Retry-After, in ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** This unit cannot succeed (plan-restricted symbol, legacy endpoint, bad request): record it, go on. */
export class UnitFailedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'UnitFailedError';
  }
}

/** No call can succeed (the API key is invalid): stop the whole run at once. */
export class FatalAuthError extends Error {
  constructor(readonly apiMessage: string) {
    super(
      `FMP rejected the API key (${apiMessage.slice(0, 120)}). Check FMP_API_KEY ` +
        `(in AWS: the Secrets Manager secret ${secretNamePattern('fmpApiKey')}) and that the key is active.`,
    );
    this.name = 'FatalAuthError';
  }
}
