import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { athenaQueries, bucketAccess, glueCatalogAccess, kmsUse } from './iam.ts';
import { fargateTask, serviceLogGroup } from './ecs.ts';
import { serviceRole } from './security.ts';

export interface DbtRunnerArgs {
  env: string;
  image: pulumi.Input<string>;
  cpu: number;
  memory: number;
  executionRole: aws.iam.Role;
  workGroupName: pulumi.Input<string>;
  workGroupArn: pulumi.Input<string>;
  silverBucketArn: pulumi.Input<string>;
  goldBucketArn: pulumi.Input<string>;
  goldBucketName: pulumi.Input<string>;
  resultsBucketName: pulumi.Input<string>;
  resultsBucketArn: pulumi.Input<string>;
  silverDatabase: pulumi.Input<string>;
  goldDatabase: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  region: string;
  accountId: pulumi.Input<string>;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/** An ephemeral ECS task for `dbt build` on Athena: reads silver, writes gold candidates, nothing else. */
export class DbtRunner extends pulumi.ComponentResource {
  readonly taskDefinitionArn: pulumi.Output<string>;
  readonly taskRoleArn: pulumi.Output<string>;

  constructor(name: string, args: DbtRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:transform:DbtRunner', name, args, opts);
    const logs = serviceLogGroup(
      name,
      { env: args.env, service: 'dbt', retentionInDays: args.logRetentionDays, tags: args.tags },
      this,
    );
    const role = serviceRole(
      `${name}-task`,
      'ecs-tasks.amazonaws.com',
      [
        args.workGroupArn,
        args.silverBucketArn,
        args.goldBucketArn,
        args.resultsBucketArn,
        args.kmsKeyArn,
        args.silverDatabase,
        args.goldDatabase,
        args.accountId,
      ],
      ([wg, silver, gold, results, key, silverDb, goldDb, acct]) => [
        athenaQueries(wg!, ['athena:StopQueryExecution']),
        glueCatalogAccess('ReadSilverCatalog', args.region, acct!, silverDb!, [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartitions',
        ]),
        glueCatalogAccess('WriteGoldCatalog', args.region, acct!, goldDb!, [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:DeleteTable',
          'glue:GetPartitions',
          'glue:BatchCreatePartition',
          'glue:BatchDeletePartition',
        ]),
        ...bucketAccess('Silver', silver!, 'read'),
        ...bucketAccess('Gold', gold!, 'readwrite'),
        ...bucketAccess('Results', results!, 'readwrite'),
        kmsUse(key!),
      ],
      { parent: this, tags: args.tags },
    );
    const task = fargateTask(
      `${name}-task`,
      {
        family: `finlake-${args.env}-dbt`,
        cpu: args.cpu,
        memory: args.memory,
        executionRoleArn: args.executionRole.arn,
        taskRoleArn: role.arn,
        container: {
          name: 'dbt',
          image: args.image,
          command: ['dbt', 'build'],
          // The names dbt/profiles.yml reads.
          environment: {
            FINLAKE_ENV: args.env,
            DBT_TARGET: args.env,
            FINLAKE_ATHENA_WORKGROUP: args.workGroupName,
            FINLAKE_SILVER_DATABASE: args.silverDatabase,
            FINLAKE_GOLD_DATABASE: args.goldDatabase,
            FINLAKE_GOLD_URI: pulumi.interpolate`s3://${args.goldBucketName}`,
            FINLAKE_ATHENA_RESULTS_URI: pulumi.interpolate`s3://${args.resultsBucketName}/dbt/`,
            AWS_REGION: args.region,
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
