import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BATCH_CAPACITY_STRATEGY } from '@finlake/platform';

export interface ContainerSpec {
  name: string;
  image: pulumi.Input<string>;
  command?: string[];
  environment?: Record<string, pulumi.Input<string>>;
  /** Environment variable -> Secrets Manager ARN (resolved by the execution role at start). */
  secrets?: Record<string, pulumi.Input<string>>;
  /** A served port, health-checked on `healthPath`. */
  port?: number;
  healthPath?: string;
  /** A healthcheck for a container that serves no load-balanced port (the image's own probe). */
  healthCommand?: string[];
  /** Seconds between SIGTERM and SIGKILL when the task stops (ECS default 30). */
  stopTimeout?: number;
  logGroup: pulumi.Input<string>;
}

/** The log group of one service's tasks: `/finlake/<env>/<service>`, with the stack's retention. */
export function serviceLogGroup(
  name: string,
  args: { env: string; service: string; retentionInDays: number; tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: `/finlake/${args.env}/${args.service}`, retentionInDays: args.retentionInDays, tags: args.tags },
    { parent },
  );
}

/** One essential container with awslogs, as the `containerDefinitions` JSON ECS expects. */
export function containerDefinitions(c: ContainerSpec): pulumi.Output<string> {
  const env = Object.entries(c.environment ?? {});
  const secrets = Object.entries(c.secrets ?? {});
  return pulumi
    .all([c.image, c.logGroup, pulumi.all(env.map(([, v]) => v)), pulumi.all(secrets.map(([, v]) => v))])
    .apply(([image, group, envValues, secretArns]) =>
      JSON.stringify([
        {
          name: c.name,
          image,
          essential: true,
          ...(c.command ? { command: c.command } : {}),
          environment: env.map(([name], i) => ({ name, value: envValues[i] })),
          secrets: secrets.map(([name], i) => ({ name, valueFrom: secretArns[i] })),
          ...(c.port
            ? {
                portMappings: [{ containerPort: c.port, protocol: 'tcp' }],
                healthCheck: {
                  command: [
                    'CMD-SHELL',
                    `python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${c.port}${c.healthPath ?? '/'}')"`,
                  ],
                  interval: 30,
                  timeout: 5,
                  retries: 3,
                  startPeriod: 60,
                },
              }
            : {}),
          ...(c.healthCommand && !c.port
            ? {
                healthCheck: {
                  command: c.healthCommand,
                  interval: 30,
                  timeout: 5,
                  retries: 3,
                  startPeriod: 30,
                },
              }
            : {}),
          ...(c.stopTimeout ? { stopTimeout: c.stopTimeout } : {}),
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': group,
              'awslogs-region': aws.config.region ?? 'us-east-1',
              'awslogs-stream-prefix': c.name,
            },
          },
        },
      ]),
    );
}

/** A Fargate (ARM64) task definition around one container. */
export function fargateTask(
  name: string,
  args: {
    family: string;
    cpu: number;
    memory: number;
    executionRoleArn: pulumi.Input<string>;
    taskRoleArn?: pulumi.Input<string>;
    container: ContainerSpec;
    tags: Record<string, string>;
  },
  opts: pulumi.CustomResourceOptions,
): aws.ecs.TaskDefinition {
  return new aws.ecs.TaskDefinition(
    name,
    {
      family: args.family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(args.cpu),
      memory: String(args.memory),
      executionRoleArn: args.executionRoleArn,
      taskRoleArn: args.taskRoleArn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
      containerDefinitions: containerDefinitions(args.container),
      tags: args.tags,
    },
    opts,
  );
}

/** The ECS cluster every task of the stack runs in, Fargate and Fargate Spot (contract strategies). */
export class Cluster extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: { tags: Record<string, string> }, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:compute:Cluster', name, args, opts);
    const cluster = new aws.ecs.Cluster(
      name,
      { settings: [{ name: 'containerInsights', value: 'enabled' }], tags: args.tags },
      { parent: this },
    );
    new aws.ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      {
        clusterName: cluster.name,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategies: BATCH_CAPACITY_STRATEGY.map((s) => ({ ...s })),
      },
      { parent: this },
    );
    this.arn = cluster.arn;
    this.name = cluster.name;
    this.registerOutputs({ arn: this.arn });
  }
}
