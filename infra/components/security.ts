import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy, policyDocument, type Statement } from './iam.ts';

export interface SecurityArgs {
  vpcId: pulumi.Input<string>;
  env: string;
  tags: Record<string, string>;
}

const ANYWHERE = '0.0.0.0/0';

/**
 * Security groups, least open: only the ALB takes traffic from the internet (443, and 80 to redirect);
 * Prefect's API only from the ALB; PostgreSQL only from Prefect and the flow tasks; tasks take nothing in.
 * And the one ECS task execution role (image pull, logs); each app's task role is made by its component
 * with `taskRole`, holding only what that app does.
 */
export class Security extends pulumi.ComponentResource {
  readonly albSecurityGroupId: pulumi.Output<string>;
  readonly prefectSecurityGroupId: pulumi.Output<string>;
  readonly rdsSecurityGroupId: pulumi.Output<string>;
  readonly tasksSecurityGroupId: pulumi.Output<string>;
  readonly executionRole: aws.iam.Role;

  constructor(name: string, args: SecurityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:security:Security', name, args, opts);
    const parent = { parent: this };
    const sg = (id: string, description: string, ingress: aws.types.input.ec2.SecurityGroupIngress[]) =>
      new aws.ec2.SecurityGroup(
        `${name}-${id}`,
        {
          vpcId: args.vpcId,
          description,
          ingress,
          egress: [
            { protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: [ANYWHERE], description: 'outbound' },
          ],
          tags: { ...args.tags, Name: `${name}-${id}` },
        },
        parent,
      );
    const alb = sg('alb', 'Prefect UI/API load balancer: HTTPS in, HTTP only to redirect', [
      { protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: [ANYWHERE], description: 'HTTPS' },
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidrBlocks: [ANYWHERE], description: 'redirect to HTTPS' },
    ]);
    const tasks = sg('tasks', 'ECS tasks (connector, flows, dbt, worker): no inbound', []);
    const prefect = sg('prefect', 'Prefect server: API from the ALB and the flow tasks', [
      { protocol: 'tcp', fromPort: 4200, toPort: 4200, securityGroups: [alb.id], description: 'ALB' },
      {
        protocol: 'tcp',
        fromPort: 4200,
        toPort: 4200,
        securityGroups: [tasks.id],
        description: 'workers, flows',
      },
    ]);
    const rds = sg('rds', 'Prefect database: PostgreSQL from the Prefect server only', [
      {
        protocol: 'tcp',
        fromPort: 5432,
        toPort: 5432,
        securityGroups: [prefect.id],
        description: 'Prefect server',
      },
    ]);

    this.executionRole = new aws.iam.Role(
      `${name}-ecs-task-execution-role`,
      { assumeRolePolicy: assumeRolePolicy('ecs-tasks.amazonaws.com'), tags: args.tags },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-ecs-task-execution`,
      {
        role: this.executionRole.name,
        policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
      },
      parent,
    );
    this.albSecurityGroupId = alb.id;
    this.prefectSecurityGroupId = prefect.id;
    this.rdsSecurityGroupId = rds.id;
    this.tasksSecurityGroupId = tasks.id;
    this.registerOutputs({
      albSecurityGroupId: alb.id,
      prefectSecurityGroupId: prefect.id,
      rdsSecurityGroupId: rds.id,
      tasksSecurityGroupId: tasks.id,
      executionRoleArn: this.executionRole.arn,
    });
  }
}

/**
 * A role for one service, with one inline policy built from resolved ARNs: `statements` runs inside
 * `apply`, so it works on plain strings (and the builders in iam.ts stay pure).
 */
export function serviceRole(
  name: string,
  service: string,
  inputs: pulumi.Input<string>[],
  statements: (resolved: string[]) => Statement[],
  opts: { parent: pulumi.Resource; tags: Record<string, string>; roleName?: string },
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { name: opts.roleName, assumeRolePolicy: assumeRolePolicy(service), tags: opts.tags },
    { parent: opts.parent },
  );
  new aws.iam.RolePolicy(
    name,
    {
      role: role.id,
      policy: pulumi.all(inputs).apply((resolved) => JSON.stringify(policyDocument(statements(resolved)))),
    },
    { parent: opts.parent },
  );
  return role;
}
