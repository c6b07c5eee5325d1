import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { SERVICES, SERVICE_CAPACITY_STRATEGY, ecsWorkPool, secretNameOf } from '@finlake/platform';
import type { Cluster } from './ecs.ts';
import { fargateTask, serviceLogGroup } from './ecs.ts';
import type { HttpsLoadBalancer } from './https-load-balancer.ts';
import { secretRead, type Statement } from './iam.ts';
import type { PrefectDatabase } from './prefect-database.ts';
import { serviceRole } from './security.ts';

export const PREFECT_PORT = 4200;
export const PREFECT_HEALTH_PATH = '/api/health';

export interface PrefectServerArgs {
  env: string;
  cluster: Cluster;
  database: PrefectDatabase;
  loadBalancer: HttpsLoadBalancer;
  executionRole: aws.iam.Role;
  privateSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** Pinned Prefect server image (same Prefect version as the flows' lockfile). */
  image: string;
  cpu: number;
  memory: number;
  logRetentionDays: number;
  kmsKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * The Prefect API on ECS Fargate (on-demand), behind the HTTPS load balancer, on its database. The API is
 * public through the ALB, so Prefect's basic auth guards it; the auth string is a generated secret that
 * the server, the worker, flow runs and the bronze trigger read.
 */
export class PrefectServer extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly authStringSecretArn: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: PrefectServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:orchestration:PrefectServer', name, args, opts);
    const parent = { parent: this };
    const tags = args.tags;
    const authPassword = new random.RandomPassword(
      `${name}-api-auth`,
      { length: 40, special: false },
      parent,
    );
    const authSecret = new aws.secretsmanager.Secret(
      `${name}-api-auth-string`,
      { name: secretNameOf(args.env, 'prefectApiAuthString'), kmsKeyId: args.kmsKeyArn, tags },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-api-auth-string`,
      {
        secretId: authSecret.id,
        secretString: pulumi.secret(pulumi.interpolate`finlake:${authPassword.result}`),
      },
      parent,
    );
    const logs = serviceLogGroup(
      name,
      { env: args.env, service: 'prefect', retentionInDays: args.logRetentionDays, tags },
      this,
    );
    // The execution role resolves the task definitions' secrets at start (server and worker alike).
    new aws.iam.RolePolicy(
      `${name}-exec-secrets`,
      {
        role: args.executionRole.id,
        policy: pulumi
          .all([args.database.urlSecretArn, authSecret.arn, args.kmsKeyArn])
          .apply(([dbUrl, auth, key]) =>
            JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                secretRead('PrefectSecrets', [dbUrl, auth]),
                { Sid: 'SecretsKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key] },
              ],
            }),
          ),
      },
      parent,
    );
    const apiUrl = pulumi.interpolate`${args.loadBalancer.url}/api`;
    const task = fargateTask(
      `${name}-server`,
      {
        family: `finlake-${args.env}-prefect-server`,
        cpu: args.cpu,
        memory: args.memory,
        executionRoleArn: args.executionRole.arn,
        container: {
          name: 'prefect-server',
          image: args.image,
          command: ['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', String(PREFECT_PORT)],
          environment: { PREFECT_UI_API_URL: apiUrl, PREFECT_SERVER_ANALYTICS_ENABLED: 'false' },
          secrets: {
            PREFECT_API_DATABASE_CONNECTION_URL: args.database.urlSecretArn,
            PREFECT_SERVER_API_AUTH_STRING: authSecret.arn,
          },
          port: PREFECT_PORT,
          healthPath: PREFECT_HEALTH_PATH,
          logGroup: logs.name,
        },
        tags,
      },
      parent,
    );
    new aws.ecs.Service(
      `${name}-server`,
      {
        cluster: args.cluster.arn,
        taskDefinition: task.arn,
        desiredCount: 1,
        // The server holds no state of its own, but Spot interruptions would cut the API: on-demand.
        capacityProviderStrategies: SERVICE_CAPACITY_STRATEGY.map((c) => ({ ...c })),
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        loadBalancers: [
          {
            targetGroupArn: args.loadBalancer.targetGroupArn,
            containerName: 'prefect-server',
            containerPort: PREFECT_PORT,
          },
        ],
        healthCheckGracePeriodSeconds: 120,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        propagateTags: 'SERVICE',
        tags,
      },
      parent,
    );
    this.url = apiUrl;
    this.authStringSecretArn = authSecret.arn;
    this.logGroupName = logs.name;
    this.registerOutputs({ url: this.url, authStringSecretArn: this.authStringSecretArn });
  }
}

/** The ECS worker's command: the contract's, polling this environment's pool. */
export const workerCommand = (env: string) => [...SERVICES.prefectWorker.command, '--pool', ecsWorkPool(env)];

/** What the worker may do: start and watch flow-run tasks in its cluster, register their definitions, pass their roles. */
export function workerStatements(clusterArn: string, passRoleArns: string[]): Statement[] {
  return [
    {
      Sid: 'RunFlowTasks',
      Effect: 'Allow',
      Action: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks', 'ecs:TagResource'],
      Resource: ['*'],
      Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
    },
    {
      // Task definitions have no cluster: the worker registers one per flow-run image.
      Sid: 'FlowTaskDefinitions',
      Effect: 'Allow',
      Action: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition'],
      Resource: ['*'],
    },
    { Sid: 'PassRoles', Effect: 'Allow', Action: ['iam:PassRole'], Resource: passRoleArns },
    { Sid: 'FlowLogs', Effect: 'Allow', Action: ['logs:GetLogEvents'], Resource: ['*'] },
  ];
}

export interface PrefectWorkerArgs {
  env: string;
  cluster: Cluster;
  server: PrefectServer;
  executionRole: aws.iam.Role;
  /** The flows image: the worker and the flow runs it starts. */
  image: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** Roles the worker hands to the flow-run tasks it starts. */
  passRoleArns: pulumi.Input<string>[];
  tags: Record<string, string>;
}

/** The ECS work pool's worker: a long-running on-demand service polling the contract's pool for this environment. */
export class PrefectWorker extends pulumi.ComponentResource {
  readonly pool: string;

  constructor(name: string, args: PrefectWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:orchestration:PrefectWorker', name, args, opts);
    const parent = { parent: this };
    const role = serviceRole(
      name,
      'ecs-tasks.amazonaws.com',
      [args.cluster.arn, args.executionRole.arn, ...args.passRoleArns],
      ([cluster, ...passable]) => workerStatements(cluster!, passable),
      { parent: this, tags: args.tags },
    );
    const task = fargateTask(
      name,
      {
        family: `finlake-${args.env}-prefect-worker`,
        cpu: 256,
        memory: 512,
        executionRoleArn: args.executionRole.arn,
        taskRoleArn: role.arn,
        container: {
          name: SERVICES.prefectWorker.container,
          image: args.image,
          command: workerCommand(args.env),
          environment: { PREFECT_API_URL: args.server.url, FINLAKE_ENV: args.env },
          secrets: { PREFECT_API_AUTH_STRING: args.server.authStringSecretArn },
          logGroup: args.server.logGroupName,
        },
        tags: args.tags,
      },
      parent,
    );
    new aws.ecs.Service(
      name,
      {
        cluster: args.cluster.arn,
        taskDefinition: task.arn,
        desiredCount: 1,
        capacityProviderStrategies: SERVICE_CAPACITY_STRATEGY.map((c) => ({ ...c })),
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        propagateTags: 'SERVICE',
        tags: args.tags,
      },
      parent,
    );
    this.pool = ecsWorkPool(args.env);
    this.registerOutputs({ pool: this.pool });
  }
}
