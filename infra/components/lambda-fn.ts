import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { InfraEnvOf, ServiceId } from '@finlake/platform';
import { logsWrite, type Statement } from './iam.ts';
import { serviceRole } from './security.ts';

/** The newest Node.js runtime @pulumi/aws offers: the platform's Node LTS (.node-version). */
export const NODE_RUNTIME = 'nodejs24.x';

export interface NodeLambdaArgs<S extends ServiceId> {
  env: string;
  region: string;
  accountId: pulumi.Input<string>;
  /** `finlake-{env}-{id}`. */
  id: string;
  /** The service in the platform contract: the environment it reads. */
  service: S;
  /** A built bundle folder whose `lambda.js` exports `handler`. */
  codeDir: string;
  /** Exactly the variables the contract says infra sets (the type refuses others). */
  environment: Record<InfraEnvOf<S>, pulumi.Input<string>>;
  access: { inputs: pulumi.Input<string>[]; statements: (resolved: string[]) => Statement[] };
  memory: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/** One Node Lambda (arm64, JSON logs to its own group, X-Ray) with a least-privilege role. */
export function nodeLambda<S extends ServiceId>(
  parent: pulumi.Resource,
  name: string,
  a: NodeLambdaArgs<S>,
): { fn: aws.lambda.Function; role: aws.iam.Role } {
  const fnName = `finlake-${a.env}-${a.id}`;
  const logs = new aws.cloudwatch.LogGroup(
    `${name}-${a.id}-logs`,
    { name: `/aws/lambda/${fnName}`, retentionInDays: a.logRetentionDays, tags: a.tags },
    { parent },
  );
  const role = serviceRole(
    `${name}-${a.id}`,
    'lambda.amazonaws.com',
    [a.accountId, ...a.access.inputs],
    ([acct, ...rest]) => [
      logsWrite(`arn:aws:logs:${a.region}:${acct}:log-group:/aws/lambda/${fnName}`),
      {
        Sid: 'Tracing',
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: ['*'],
      },
      ...a.access.statements(rest),
    ],
    { parent, tags: a.tags },
  );
  const fn = new aws.lambda.Function(
    `${name}-${a.id}`,
    {
      name: fnName,
      runtime: NODE_RUNTIME,
      architectures: ['arm64'],
      handler: 'lambda.handler', // every bundle exports `handler` from lambda.js
      code: new pulumi.asset.FileArchive(a.codeDir),
      role: role.arn,
      memorySize: a.memory,
      timeout: a.timeoutSeconds,
      environment: {
        variables: {
          NODE_OPTIONS: '--enable-source-maps',
          ...(a.environment as Record<string, pulumi.Input<string>>),
        },
      },
      loggingConfig: { logFormat: 'JSON', logGroup: logs.name },
      tracingConfig: { mode: 'Active' },
      tags: a.tags,
    },
    { parent, dependsOn: [logs] },
  );
  return { fn, role };
}
