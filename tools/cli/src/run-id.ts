import { randomBytes } from 'node:crypto';

/** A run id for work started by hand (Prefect supplies its flow_run_id otherwise). */
export function newRunId(): string {
  return `local-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}
