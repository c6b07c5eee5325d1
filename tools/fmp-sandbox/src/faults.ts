/**
 * Fault injection: each authenticated, within-limit request draws once; the probabilities are
 * cumulative in the order listed, so their sum must stay <= 1.
 */
export interface FaultConfig {
  /** 429 "Limit Reach" with a Retry-After header (seconds). */
  rate429RetryAfter: number;
  /** 429 "Limit Reach" without Retry-After. */
  rate429: number;
  rate500: number;
  rate502: number;
  rate503: number;
  /** The TCP connection is reset before any response. */
  rateReset: number;
  /** 200 with only part of the JSON body (valid HTTP, invalid JSON). */
  rateTruncated: number;
  /** 200 with an {"Error Message": "Limit Reach ..."} body instead of data. */
  rateErrorMessage200: number;
  /** The response is delayed by slowMs. */
  rateSlow: number;
  slowMs: number;
  retryAfterSeconds: number;
}

export const NO_FAULTS: FaultConfig = {
  rate429RetryAfter: 0,
  rate429: 0,
  rate500: 0,
  rate502: 0,
  rate503: 0,
  rateReset: 0,
  rateTruncated: 0,
  rateErrorMessage200: 0,
  rateSlow: 0,
  slowMs: 0,
  retryAfterSeconds: 1,
};

export type Fault =
  | '429-retry-after'
  | '429'
  | '500'
  | '502'
  | '503'
  | 'reset'
  | 'truncated'
  | 'error-message-200'
  | 'slow'
  | 'none';

const ORDER: [keyof FaultConfig, Fault][] = [
  ['rate429RetryAfter', '429-retry-after'],
  ['rate429', '429'],
  ['rate500', '500'],
  ['rate502', '502'],
  ['rate503', '503'],
  ['rateReset', 'reset'],
  ['rateTruncated', 'truncated'],
  ['rateErrorMessage200', 'error-message-200'],
  ['rateSlow', 'slow'],
];

export function validateFaults(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null) throw new Error('faults must be a JSON object');
  const merged = { ...NO_FAULTS, ...(input as Partial<FaultConfig>) };
  const problems: string[] = [];
  for (const [k, v] of Object.entries(merged)) {
    if (!(k in NO_FAULTS)) problems.push(`unknown fault knob ${k}`);
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      problems.push(`${k} must be a number >= 0`);
    else if (k.startsWith('rate') && v > 1) problems.push(`${k} must be a probability in [0, 1]`);
  }
  const sum = ORDER.reduce((s, [k]) => s + merged[k], 0);
  if (sum > 1) problems.push(`fault probabilities add up to ${sum}, more than 1`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return merged;
}

export function drawFault(config: FaultConfig, random: number): Fault {
  let acc = 0;
  for (const [k, fault] of ORDER) {
    acc += config[k];
    if (random < acc) return fault;
  }
  return 'none';
}
