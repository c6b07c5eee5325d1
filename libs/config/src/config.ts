import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Typed configuration from environment variables, validated once at start-up.
 * Every problem is collected, so a misconfigured service stops with one message that
 * names each bad or missing variable and the form it expects.
 */
export interface Setting<T extends TSchema = TSchema> {
  /** Environment variable name. */
  env: string;
  schema: T;
  /** The expected form, in words, for error messages (e.g. "an integer >= 1"). */
  expected: string;
  /** Used when the variable is unset or empty; no default means required. */
  default?: Static<T>;
  /** Masked in errors and in `describeConfig`. */
  secret?: boolean;
}

export type ConfigSpec = Record<string, Setting>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: Static<S[K]['schema']> };

export function setting<T extends TSchema>(def: Setting<T>): Setting<T> {
  return def;
}

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration for ${service}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Converts the raw string to the schema's JSON type; returns the string untouched when it cannot. */
function coerce(schema: TSchema, raw: string): unknown {
  const type = (schema as { type?: string }).type;
  if (type === 'integer' || type === 'number') {
    const n = Number(raw.trim());
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (type === 'boolean') {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return raw;
  }
  if (type === 'array')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

const show = (s: Setting, raw: string) => (s.secret ? '<secret>' : JSON.stringify(raw));

/**
 * A rule across settings that no single schema can state (e.g. "one of A or B"): the problems it finds, each
 * naming the variables and what to set, reported with the per-variable ones.
 */
export type Refine<S extends ConfigSpec> = (config: ConfigOf<S>) => string[];

export function loadConfig<S extends ConfigSpec>(
  service: string,
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
  refine?: Refine<S>,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(spec)) {
    const raw = env[s.env];
    if (raw === undefined || raw.trim() === '') {
      if (s.default !== undefined) out[key] = s.default;
      else problems.push(`${s.env}: missing; expected ${s.expected}`);
      continue;
    }
    const value = coerce(s.schema, raw);
    const validator = Compile(s.schema);
    if (validator.Check(value)) out[key] = value;
    else {
      const why = [...validator.Errors(value)].map((e) => e.message).join('; ');
      problems.push(`${s.env}: ${show(s, raw)} is invalid (${why}); expected ${s.expected}`);
    }
  }
  // Cross-setting rules see a complete config only; with a variable already wrong they would mislead.
  if (problems.length === 0 && refine) problems.push(...refine(out as ConfigOf<S>));
  if (problems.length > 0) throw new ConfigError(service, problems);
  return out as ConfigOf<S>;
}

/** Config for logging at start-up, secrets masked. */
export function describeConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(spec).map(([k, s]) => [k, s.secret ? '<secret>' : (config as Record<string, unknown>)[k]]),
  );
}

/** For entry points: load, or print the problems and exit with status 78 (EX_CONFIG). */
export function loadConfigOrExit<S extends ConfigSpec>(
  service: string,
  spec: S,
  env = process.env,
  refine?: Refine<S>,
): ConfigOf<S> {
  try {
    return loadConfig(service, spec, env, refine);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
