// The seams between this program and the apps, checked on every `pulumi preview` / `up` before any
// resource is planned: a stack whose policies, rules or pools contradict the platform contract is refused
// with a message naming both sides. The tests run the same checks (and the real connector's keys).
import {
  DEPLOYMENTS,
  BATCH_DATASETS,
  bronzeObjectKey,
  ecsWorkPool,
  manifestKey,
  sidecarKey,
  type Deployment,
} from '@finlake/platform';
import { bronzeTriggerPattern } from './bronze-trigger.ts';
import { connectorStatements } from './connector-task.ts';
import type { Statement } from './iam.ts';
import { workerCommand } from './prefect-server.ts';
import { deniedKeys, matchesEventPattern, s3ObjectCreatedEvent, SeamError } from './seams.ts';

const BUCKET = 'finlake-check-bronze';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

/** Keys of every shape the connector writes for its datasets (data, sidecar, both manifests). */
export function connectorKeys(): string[] {
  return BATCH_DATASETS.flatMap((d) => {
    const data = bronzeObjectKey(d, { symbol: '^GSPC', from: '2024-01-02', to: '2024-12-31' });
    return [data, sidecarKey(data), manifestKey(d, 'run-1', 'event'), manifestKey(d, 'run-1', 'pipeline')];
  });
}

export function checkConnectorWrites(
  statements: Statement[] = connectorStatements(
    BUCKET_ARN,
    'arn:aws:kms:::key/k',
    'arn:aws:secretsmanager:::secret',
  ),
  keys: string[] = connectorKeys(),
): void {
  const denied = deniedKeys(statements, BUCKET_ARN, 's3:PutObject', keys);
  if (denied.length)
    throw new SeamError(
      `the connector writes ${denied.join(', ')} (libs/platform bronze layout) but its task role ` +
        `(infra/components/connector-task.ts) may not s3:PutObject there`,
    );
}

export function checkTriggerRule(pattern = bronzeTriggerPattern(BUCKET)): void {
  for (const d of BATCH_DATASETS) {
    const fire = manifestKey(d, 'run-1', 'event');
    if (!matchesEventPattern(pattern, s3ObjectCreatedEvent(BUCKET, fire)))
      throw new SeamError(
        `the connector's event manifest ${fire} (libs/platform) does not match the bronze trigger's rule ` +
          `(infra/components/bronze-trigger.ts): landed batches would never be cleaned`,
      );
    const quiet = [
      manifestKey(d, 'run-1', 'pipeline'),
      bronzeObjectKey(d, { symbol: 'AAPL', from: '2024-01-02', to: '2024-01-02' }),
    ];
    const fired = quiet.filter((k) => matchesEventPattern(pattern, s3ObjectCreatedEvent(BUCKET, k)));
    if (fired.length)
      throw new SeamError(
        `the bronze trigger's rule (infra/components/bronze-trigger.ts) matches ${fired.join(', ')}: ` +
          'one flow run per object, or a second run for a batch its pipeline cleans itself',
      );
  }
}

export function checkWorkPools(env: string, command: string[] = workerCommand(env)): void {
  const polled = command[command.indexOf('--pool') + 1];
  for (const d of Object.values(DEPLOYMENTS) as Deployment[]) {
    if (d.pool === 'ecs' && ecsWorkPool(env) !== polled)
      throw new SeamError(
        `deployment ${d.flow}/${d.name} (apps/flows/prefect.yaml) runs on pool ${ecsWorkPool(env)}, ` +
          `but the stack's worker (infra/components/prefect-server.ts) polls ${polled ?? 'no pool'}`,
      );
  }
}

export function checkSeams(env: string): void {
  checkConnectorWrites();
  checkTriggerRule();
  checkWorkPools(env);
}
