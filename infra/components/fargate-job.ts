import type * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { NAMES, SERVICES, fill, type InfraEnvOf, type ServiceId } from '@finlake/platform';
import type { Statement } from './iam.ts';
import { fargateTask, serviceLogGroup } from './ecs.ts';
import { serviceRole } from './security.ts';

export interface FargateJobArgs<S extends ServiceId> {
  env: string;
  /** The service in the platform contract: its container name, command and the environment it reads. */
  service: S;
  image: pulumi.Input<string>;
  cpu: number;
  memory: number;
  executionRole: aws.iam.Role;
  /** Exactly the variables the contract says infra sets for this service (the type refuses others). */
  environment: Record<InfraEnvOf<S>, pulumi.Input<string>>;
  /** The task role's statements over resolved inputs (ARNs, names). */
  access: { inputs: pulumi.Input<string>[]; statements: (resolved: string[]) => Statement[] };
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * An ephemeral batch task on Fargate (the connector, the dbt runner): a least-privilege task role, a log
 * group, and a task definition whose container and command are the contract's, so a RunTask override
 * built from the same contract resolves to the program. Started by the flows with the Spot-first strategy.
 */
export class FargateJob<S extends ServiceId> extends pulumi.ComponentResource {
  readonly taskDefinitionArn: pulumi.Output<string>;
  readonly taskRoleArn: pulumi.Output<string>;
  readonly role: aws.iam.Role;

  constructor(name: string, args: FargateJobArgs<S>, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:batch:FargateJob', name, args, opts);
    const svc = SERVICES[args.service];
    const logs = serviceLogGroup(
      name,
      { env: args.env, service: svc.image, retentionInDays: args.logRetentionDays, tags: args.tags },
      this,
    );
    this.role = serviceRole(
      `${name}-task`,
      'ecs-tasks.amazonaws.com',
      args.access.inputs,
      args.access.statements,
      {
        parent: this,
        tags: args.tags,
      },
    );
    const task = fargateTask(
      `${name}-task`,
      {
        family: fill(NAMES.taskFamily, { env: args.env, service: svc.image }),
        cpu: args.cpu,
        memory: args.memory,
        executionRoleArn: args.executionRole.arn,
        taskRoleArn: this.role.arn,
        container: {
          name: svc.container,
          image: args.image,
          command: [...svc.command],
          environment: args.environment as Record<string, pulumi.Input<string>>,
          logGroup: logs.name,
        },
        tags: args.tags,
      },
      { parent: this },
    );
    this.taskDefinitionArn = task.arn;
    this.taskRoleArn = this.role.arn;
    this.registerOutputs({ taskDefinitionArn: this.taskDefinitionArn, taskRoleArn: this.taskRoleArn });
  }
}
