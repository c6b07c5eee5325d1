import { DelegateBackoff, handleWhen, retry, type IRetryBackoffContext } from 'cockatiel';
import pThrottle from 'p-throttle';
import { classifyAnswer } from './classify.ts';
import type { FmpDataset, Unit } from './datasets.ts';
import { RetryableError } from './errors.ts';

export interface FmpClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The plan's calls per minute; the client stays just under it. */
  ratePerMin: number;
  /** The plan's window (60 s for FMP); shorter only to scale time in tests. */
  rateWindowMs?: number;
  /** Per-request timeout, headers and body included. */
  timeoutMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Longest Retry-After honoured; a larger one is clamped so one answer can't stall a run. */
  maxRetryAfterMs?: number;
  /** Aborts queued and in-flight calls (a fatal error elsewhere in the run). */
  signal?: AbortSignal;
  random?: () => number;
  onRetry?: (info: { unit: Unit; attempt: number; delayMs: number; error: Error }) => void;
}

export interface FetchedUnit {
  body: Buffer;
  status: number;
  rows: number;
  attempts: number;
  /** The request URL without the API key, for metadata and logs. */
  url: string;
}

/**
 * The limiter's pacing: at most `limit` calls in any sliding window of `intervalMs` (about a
 * second). `limit` divides the plan's rate, so the plan's window holds n = rate / limit of ours;
 * n of ours span the plan's window plus a spare (2 % of it, at most 1 s), so no window of the
 * server's, however aligned and whatever the network's jitter up to the spare, holds more than
 * n * limit = rate calls. Sustained: about 98.4 % of a per-minute plan.
 * (Windows of about a second rather than one call every 60 s / rate: timers have millisecond
 * granularity, and 20.1 ms would round to 21 ms, 5 % under the plan.)
 */
export function pacing(ratePerWindow: number, windowMs = 60_000): { limit: number; intervalMs: number } {
  let limit = Math.max(1, Math.floor((ratePerWindow * 1000) / windowMs));
  while (ratePerWindow % limit !== 0) limit--;
  const ours = ratePerWindow / limit;
  const spareMs = Math.min(1000, windowMs * 0.02);
  return { limit, intervalMs: Math.ceil((windowMs + spareMs) / ours) };
}

/** Calls per plan window (default a minute) the pacing sustains. */
export const sustainedRatePerMin = (p: { limit: number; intervalMs: number }, windowMs = 60_000) =>
  (p.limit * windowMs) / p.intervalMs;

/**
 * Full-jitter exponential backoff, sleep = random(0, min(cap, base * 2^retry)), raised to the
 * server's Retry-After when that is larger.
 */
export function backoffDelayMs(
  retryIndex: number,
  opts: Pick<FmpClientOptions, 'backoffBaseMs' | 'backoffCapMs' | 'maxRetryAfterMs'>,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(opts.backoffCapMs, opts.backoffBaseMs * 2 ** retryIndex);
  const jitter = Math.floor(random() * ceiling);
  const serverAsked = Math.min(retryAfterMs ?? 0, opts.maxRetryAfterMs ?? 120_000);
  return Math.max(jitter, serverAsked);
}

export class FmpClient {
  /** Every HTTP attempt made, retries included. */
  attempts = 0;
  private readonly gate: () => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: FmpClientOptions) {
    this.random = options.random ?? Math.random;
    const { limit, intervalMs } = pacing(options.ratePerMin, options.rateWindowMs);
    const throttle = pThrottle({ limit, interval: intervalMs, strict: true, signal: options.signal });
    this.gate = throttle(async () => undefined);
  }

  requestUrl(dataset: FmpDataset, unit: Unit, withKey: boolean): string {
    const url = new URL(dataset.path, this.options.baseUrl);
    for (const [k, v] of Object.entries(dataset.query(unit))) url.searchParams.set(k, v);
    if (withKey) url.searchParams.set('apikey', this.options.apiKey);
    return url.toString();
  }

  /** One unit, with the rate limit, timeouts and retries applied; throws the classified error when it gives up. */
  async fetchUnit(dataset: FmpDataset, unit: Unit): Promise<FetchedUnit> {
    const o = this.options;
    let attempts = 0;
    const policy = retry(
      handleWhen((err) => err instanceof RetryableError),
      {
        maxAttempts: o.maxAttempts - 1, // cockatiel counts retries, not attempts
        backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => {
          const err = 'error' in ctx.result ? ctx.result.error : undefined;
          const retryAfter = err instanceof RetryableError ? err.retryAfterMs : undefined;
          return backoffDelayMs(ctx.attempt - 1, o, this.random, retryAfter);
        }),
      },
    );
    policy.onRetry(({ delay, ...r }) => {
      if ('error' in r) o.onRetry?.({ unit, attempt: attempts, delayMs: delay, error: r.error });
    });
    return policy.execute(async () => {
      await this.gate();
      attempts++;
      this.attempts++;
      const result = await this.attempt(dataset, unit);
      return { ...result, attempts, url: this.requestUrl(dataset, unit, false) };
    }, o.signal);
  }

  private async attempt(dataset: FmpDataset, unit: Unit): Promise<Omit<FetchedUnit, 'attempts' | 'url'>> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    let res: Response;
    let body: Buffer;
    try {
      res = await fetch(this.requestUrl(dataset, unit, true), {
        signal,
        headers: { accept: 'application/json' },
      });
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (this.options.signal?.aborted) throw err;
      const e = err as Error & { cause?: { code?: string } };
      const what = timeout.aborted
        ? `timed out after ${this.options.timeoutMs} ms`
        : `${e.name}: ${e.cause?.code ?? e.message}`;
      throw new RetryableError(`network error (${what})`);
    }
    const { rows } = classifyAnswer(res.status, res.headers, body.toString('utf8'));
    return { body, status: res.status, rows };
  }
}
