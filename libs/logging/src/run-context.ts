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
