import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

export interface ValidationIssue {
  path: string;
  message: string;
}

/** A compiled validator that reports every problem with its JSON pointer, for boundary errors. */
export function compileValidator<T extends TSchema>(schema: T) {
  const compiled = Compile(schema);
  return {
    check: (value: unknown): boolean => compiled.Check(value),
    errors: (value: unknown): ValidationIssue[] =>
      [...compiled.Errors(value)].map((e) => ({ path: e.instancePath || '/', message: e.message })),
  };
}
