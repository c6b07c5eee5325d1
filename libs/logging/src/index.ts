export { createLogger, type Logger, type LoggerSettings } from './logger.ts';
export { isSecretKey, redact, redactString, REDACTED } from './redact.ts';
export { runContextFromEnv, runIdFromEnv, type RunContext } from './run-context.ts';
export { emfRecord, type EmfUnit, type EmfValue } from './emf.ts';
