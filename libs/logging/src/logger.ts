import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redact, redactString } from './redact.ts';
import { runContextFromEnv } from './run-context.ts';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** Service name, e.g. `fmp-ingester`. */
  service: string;
  version?: string;
  /** Deployment environment: local, dev, staging, prod. Defaults to FINLAKE_ENV or `local`. */
  env?: string;
  level?: string;
  /** Where JSON lines go; defaults to stdout. */
  destination?: DestinationStream;
  /** Human-readable output; defaults to "stdout is a TTY and no destination was given". */
  pretty?: boolean;
  environment?: NodeJS.ProcessEnv;
}

export function createLogger(settings: LoggerSettings): Logger {
  const environment = settings.environment ?? process.env;
  const pretty = settings.pretty ?? (!settings.destination && process.stdout.isTTY === true);
  const options: LoggerOptions = {
    level: settings.level ?? environment.LOG_LEVEL ?? 'info',
    base: {
      service: settings.service,
      env: settings.env ?? environment.FINLAKE_ENV ?? 'local',
      version: settings.version ?? environment.FINLAKE_VERSION ?? '0.0.0-dev',
      ...runContextFromEnv(environment),
    },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (record) => redact(record) as Record<string, unknown>,
    },
    hooks: {
      // Messages are strings built by callers (often with URLs in them): redact them too.
      logMethod(args, method) {
        const cleaned = args.map((a) => (typeof a === 'string' ? redactString(a) : a));
        return method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } },
    });
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
