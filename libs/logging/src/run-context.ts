import { randomBytes } from 'node:crypto';

/**
 * Run ids that tie one pipeline run together across services. Prefect exports
 * PREFECT__FLOW_RUN_ID (and friends) into the processes a flow run starts; our flows also pass
 * them explicitly to subprocesses, ECS tasks and Glue jobs under the same names.
 */
export interface RunContext {
  flow_run_id?: string;
  task_run_id?: string;
  deployment_id?: string;
}

const RUN_ENV: Record<keyof RunContext, string> = {
  flow_run_id: 'PREFECT__FLOW_RUN_ID',
  task_run_id: 'PREFECT__TASK_RUN_ID',
  deployment_id: 'PREFECT__DEPLOYMENT_ID',
};

export function runContextFromEnv(env: NodeJS.ProcessEnv = process.env): RunContext {
  const ctx: RunContext = {};
  for (const [field, name] of Object.entries(RUN_ENV) as [keyof RunContext, string][]) {
    const v = env[name]?.trim();
    if (v) ctx[field] = v;
  }
  return ctx;
}

/**
 * The run id of work started without Prefect: the flow run id when there is one, else
 * `local-<UTC timestamp>-<random>`. Safe as a lake key segment.
 */
export function runIdFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const flow = runContextFromEnv(env).flow_run_id;
  if (flow && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(flow)) return flow;
  return `local-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}
