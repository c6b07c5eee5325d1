import { InvalidArgumentError } from 'commander';
import { isIsoDate } from '@finlake/market-calendar';

/** A commander argument parser for YYYY-MM-DD flags, with the flag's name in its error. */
export const isoDate = (flag: string) => (value: string) => {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${flag} must be a date in the form YYYY-MM-DD`);
  return value;
};

/** A commander argument parser for an ISO instant (2026-12-01T17:00:00Z), as epoch milliseconds. */
export const isoInstant = (flag: string) => (value: string) => {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(value)} is not an ISO instant, e.g. 2026-12-01T17:00:00Z`,
    );
  return ms;
};

/** `--name value` when the value is set, nothing otherwise: for passing optional flags on to a program. */
export const flag = (name: string, value: string | undefined): string[] => (value ? [name, value] : []);
