import { InvalidArgumentError } from 'commander';
import { isIsoDate } from '@finlake/market-calendar';

/** A commander argument parser for YYYY-MM-DD flags, with the flag's name in its error. */
export const isoDate = (flag: string) => (value: string) => {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${flag} must be a date in the form YYYY-MM-DD`);
  return value;
};

/** `--name value` when the value is set, nothing otherwise: for passing optional flags on to a program. */
export const flag = (name: string, value: string | undefined): string[] => (value ? [name, value] : []);
