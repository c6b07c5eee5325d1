import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { bucketAccess, kmsUse, secretRead } from './iam.ts';
import { fargateTask, serviceLogGroup } from './ecs.ts';
import { serviceRole } from './security.ts';

export interface ConnectorTaskArgs {
  env: string;
  image: pulumi.Input<string>;
  cpu: number;
  memory: number;
  executionRole: aws.iam.Role;
  bronzeBucketName: pulumi.Input<string>;
  bronzeBucketArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  /** `/{env}/fmp/api_key`: the only secret this task can read. */
  apiKeySecretArn: pulumi.Input<string>;
  rateLimitPerMinute: number;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * The `fmp-ingester` ECS task: writes bronze under `fmp/` and nothing else, reads its one secret (the
 * connector fetches it itself via FMP_API_KEY_SECRET_ID, so the key never sits in the task definition).
 */
export class ConnectorTask extends pulumi.ComponentResource {
  readonly taskDefinitionArn: pulumi.Output<string>;
  readonly taskRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ConnectorTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:ingest:ConnectorTask', name, args, opts);
    const logs = serviceLogGroup(
      name,
      { env: args.env, service: 'fmp-ingester', retentionInDays: args.logRetentionDays, tags: args.tags },
      this,
    );
    const role = serviceRole(
      `${name}-task`,
      'ecs-tasks.amazonaws.com',
      [args.bronzeBucketArn, args.kmsKeyArn, args.apiKeySecretArn],
      ([bronze, key, secret]) => [
        ...bucketAccess('Bronze', bronze!, 'readwrite', 'fmp/'),
        kmsUse(key!),
        secretRead('FmpApiKey', [secret!]),
      ],
      { parent: this, tags: args.tags },
    );
    const task = fargateTask(
      `${name}-task`,
      {
        family: `finlake-${args.env}-fmp-ingester`,
        cpu: args.cpu,
        memory: args.memory,
        executionRoleArn: args.executionRole.arn,
        taskRoleArn: role.arn,
        container: {
          name: 'fmp-ingester',
          image: args.image,
          environment: {
            FINLAKE_ENV: args.env,
            FINLAKE_BRONZE_URI: pulumi.interpolate`s3://${args.bronzeBucketName}`,
            FMP_API_KEY_SECRET_ID: args.apiKeySecretArn,
            FMP_RATE_LIMIT_PER_MIN: String(args.rateLimitPerMinute),
          },
          logGroup: logs.name,
        },
        tags: args.tags,
      },
      { parent: this },
    );
    this.taskDefinitionArn = task.arn;
    this.taskRoleArn = role.arn;
    this.registerOutputs({ taskDefinitionArn: this.taskDefinitionArn });
  }
}
