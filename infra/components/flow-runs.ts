import type * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  ARTIFACTS,
  BATCH_CAPACITY_STRATEGY,
  BATCH_DATASETS,
  BLOCKS,
  GOLD_MARTS,
  NAMES,
  goldCandidatesPrefix,
  fill,
  SERVICES,
  manifestsPrefix,
  silverRunSummariesPrefix,
  SOURCE_DATASETS,
  staticPrefix,
  type InfraEnvOf,
} from '@finlake/platform';
import { bucketAccess, kmsUse, type Statement } from './iam.ts';
import { serviceRole } from './security.ts';

export interface FlowRunsArgs {
  env: string;
  region: string;
  accountId: pulumi.Input<string>;
  clusterArn: pulumi.Input<string>;
  executionRole: aws.iam.Role;
  image: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  prefectAuthSecretArn: pulumi.Input<string>;
  logGroupName: pulumi.Input<string>;
  /** The batch tasks a flow run starts, and the Glue job. */
  connector: { taskDefinitionArn: pulumi.Input<string>; taskRoleArn: pulumi.Input<string> };
  dbt: { taskDefinitionArn: pulumi.Input<string>; taskRoleArn: pulumi.Input<string> };
  glueJobName: pulumi.Input<string>;
  buckets: {
    bronze: pulumi.Input<string>;
    silver: pulumi.Input<string>;
    gold: pulumi.Input<string>;
    artefacts: pulumi.Input<string>;
  };
  bucketArns: {
    bronze: pulumi.Input<string>;
    silver: pulumi.Input<string>;
    gold: pulumi.Input<string>;
    artefacts: pulumi.Input<string>;
  };
  goldDatabase: pulumi.Input<string>;
  goldCandidatesDatabase: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

export const flowRunRoleName = (env: string) => fill(NAMES.flowRunRole, { env });

const family = (taskDefinitionArn: string) => taskDefinitionArn.replace(/:\d+$/, '');

/** What a flow run may do: start its stages, read their reports, and switch the served gold table. */
export function flowRunStatements(r: {
  region: string;
  accountId: string;
  clusterArn: string;
  connectorTaskDefinition: string;
  dbtTaskDefinition: string;
  passRoles: string[];
  glueJobName: string;
  bronzeArn: string;
  silverArn: string;
  goldArn: string;
  artefactsArn: string;
  goldDatabase: string;
  kmsKeyArn: string;
}): Statement[] {
  const glue = `arn:aws:glue:${r.region}:${r.accountId}`;
  return [
    {
      Sid: 'RunStageTasks',
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: [`${family(r.connectorTaskDefinition)}:*`, `${family(r.dbtTaskDefinition)}:*`],
      Condition: { ArnEquals: { 'ecs:cluster': r.clusterArn } },
    },
    {
      Sid: 'WatchStageTasks',
      Effect: 'Allow',
      Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
      Resource: ['*'],
      Condition: { ArnEquals: { 'ecs:cluster': r.clusterArn } },
    },
    { Sid: 'PassStageRoles', Effect: 'Allow', Action: ['iam:PassRole'], Resource: r.passRoles },
    {
      Sid: 'RunGlueJob',
      Effect: 'Allow',
      Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:BatchStopJobRun'],
      Resource: [`${glue}:job/${r.glueJobName}`],
    },
    // Every declared dataset's: the batch ones' manifests, and each silver table's run summaries (the
    // flows read the summary of every job run they start, the streamed table's too).
    ...bucketAccess('Manifests', r.bronzeArn, 'read', BATCH_DATASETS.map(manifestsPrefix)),
    ...bucketAccess(
      'RunSummaries',
      r.silverArn,
      'read',
      SOURCE_DATASETS.map((d) => silverRunSummariesPrefix(d.silverTable)),
    ),
    ...bucketAccess('RunResults', r.artefactsArn, 'read', [staticPrefix(ARTIFACTS.dbtRunResults)]),
    ...bucketAccess('PrefectResults', r.artefactsArn, 'readwrite', [`${ARTIFACTS.prefectResults}/`]),
    // Publish lists a candidate's partition folders (no object is read or written) ...
    {
      Sid: 'ListGoldCandidates',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [r.goldArn],
      Condition: { StringLike: { 's3:prefix': [`${goldCandidatesPrefix()}*`] } },
    },
    // ... and points the served table (or its months) at them, recording what it replaced.
    {
      Sid: 'PublishGold',
      Effect: 'Allow',
      Action: [
        'glue:GetTable',
        'glue:UpdateTable',
        'glue:GetTableVersions',
        'glue:GetPartitions',
        'glue:BatchCreatePartition',
        'glue:BatchUpdatePartition',
        'glue:BatchDeletePartition',
      ],
      Resource: [
        `${glue}:catalog`,
        `${glue}:database/${r.goldDatabase}`,
        ...GOLD_MARTS.map((m) => `${glue}:table/${r.goldDatabase}/${m}`),
      ],
    },
    kmsUse(r.kmsKeyArn),
  ];
}

/**
 * The flow runs' side of the ECS work pool: their task role, and the pool's job variables (image, cluster,
 * roles, network, Spot-first capacity, and exactly the environment the contract says flow runs read),
 * exported for tools/scripts/prefect-deploy.sh to write into the pool's base job template.
 */
export class FlowRuns extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  readonly jobVariables: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: FlowRunsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:orchestration:FlowRuns', name, args, opts);
    const role = serviceRole(
      `${name}-task`,
      'ecs-tasks.amazonaws.com',
      [
        args.accountId,
        args.clusterArn,
        args.connector.taskDefinitionArn,
        args.dbt.taskDefinitionArn,
        args.connector.taskRoleArn,
        args.dbt.taskRoleArn,
        args.executionRole.arn,
        args.glueJobName,
        args.bucketArns.bronze,
        args.bucketArns.silver,
        args.bucketArns.gold,
        args.bucketArns.artefacts,
        args.goldDatabase,
        args.kmsKeyArn,
      ],
      ([acct, cluster, ctd, dtd, crole, drole, exec, job, bronze, silver, gold, artefacts, goldDb, key]) =>
        flowRunStatements({
          region: args.region,
          accountId: acct!,
          clusterArn: cluster!,
          connectorTaskDefinition: ctd!,
          dbtTaskDefinition: dtd!,
          passRoles: [crole!, drole!, exec!],
          glueJobName: job!,
          bronzeArn: bronze!,
          silverArn: silver!,
          goldArn: gold!,
          artefactsArn: artefacts!,
          goldDatabase: goldDb!,
          kmsKeyArn: key!,
        }),
      { parent: this, tags: args.tags, roleName: flowRunRoleName(args.env) },
    );
    const s3 = (b: pulumi.Input<string>) => pulumi.interpolate`s3://${b}`;
    const environment: Record<InfraEnvOf<'flowRun'>, pulumi.Input<string>> = {
      FINLAKE_ENV: args.env,
      FINLAKE_RUNNER: 'aws',
      AWS_REGION: args.region,
      FINLAKE_BRONZE_URI: s3(args.buckets.bronze),
      FINLAKE_SILVER_URI: s3(args.buckets.silver),
      FINLAKE_GOLD_URI: s3(args.buckets.gold),
      FINLAKE_ARTIFACTS_URI: s3(args.buckets.artefacts),
      FINLAKE_GOLD_DATABASE: args.goldDatabase,
      FINLAKE_GOLD_CANDIDATES_DATABASE: args.goldCandidatesDatabase,
      FINLAKE_ECS_CLUSTER: args.clusterArn,
      FINLAKE_ECS_SUBNETS: pulumi.all(args.subnetIds).apply((ids) => ids.join(',')),
      FINLAKE_ECS_SECURITY_GROUPS: args.securityGroupId,
      FINLAKE_INGESTER_TASK_DEFINITION: args.connector.taskDefinitionArn,
      FINLAKE_DBT_TASK_DEFINITION: args.dbt.taskDefinitionArn,
      FINLAKE_GLUE_JOB_NAME: args.glueJobName,
      FINLAKE_SLACK_BLOCK: BLOCKS.slackAlerts.name,
    };
    this.roleArn = role.arn;
    const env = pulumi.all(environment).apply((e) => JSON.stringify(e));
    this.jobVariables = pulumi
      .all([
        env,
        args.image,
        args.clusterArn,
        role.arn,
        args.executionRole.arn,
        pulumi.all(args.subnetIds),
        args.securityGroupId,
        args.prefectAuthSecretArn,
        args.logGroupName,
      ])
      .apply(
        ([envJson, image, cluster, taskRole, execRole, subnets, sg, auth, logGroup]): Record<
          string,
          unknown
        > => ({
          image,
          cluster,
          container_name: SERVICES.flowRun.container,
          task_role_arn: taskRole,
          execution_role_arn: execRole,
          prefect_api_auth_string_secret_arn: auth,
          capacity_provider_strategy: BATCH_CAPACITY_STRATEGY.map((s) => ({ ...s })),
          network_configuration: { subnets, securityGroups: [sg], assignPublicIp: 'DISABLED' },
          configure_cloudwatch_logs: true,
          cloudwatch_logs_options: {
            'awslogs-group': logGroup,
            'awslogs-region': args.region,
            'awslogs-stream-prefix': 'flow-run',
          },
          env: JSON.parse(String(envJson)) as Record<string, string>,
        }),
      );
    this.registerOutputs({ roleArn: this.roleArn, jobVariables: this.jobVariables });
  }
}
