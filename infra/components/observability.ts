// The platform's metrics and alarms in AWS, under the names of the platform contract (libs/platform
// METRICS). The Lambda API's EMF lines become metrics by themselves; the flows run on ECS with the awslogs
// driver, which does not extract EMF, so metric filters turn the same lines into the same metrics.
import { readFileSync } from 'node:fs';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  DEPLOYMENTS,
  EMF_METRICS,
  emfFilterPattern,
  GOLD_MARTS,
  METRICS,
  METRICS_NAMESPACE,
  type MetricId,
} from '@finlake/platform';

/** An alarm on a count: more than `threshold` in 5 minutes pages; no data is no event. */
export function countAlarm(
  name: string,
  a: {
    namespace: string;
    metricName: pulumi.Input<string>;
    dimensions?: Record<string, pulumi.Input<string>>;
    threshold?: number;
    description: string;
    actions: pulumi.Input<string>[];
    tags: Record<string, string>;
  },
  opts: pulumi.CustomResourceOptions,
) {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      namespace: a.namespace,
      metricName: a.metricName,
      dimensions: a.dimensions,
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: a.threshold ?? 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmDescription: a.description,
      alarmActions: a.actions,
      tags: a.tags,
    },
    opts,
  );
}

/** One metric filter per metric on a log group, each matching exactly that metric's EMF documents and
 * publishing their value under the same name, namespace and dimensions. */
export function emfMetricFilters(
  name: string,
  logGroupName: pulumi.Input<string>,
  ids: readonly MetricId[],
  opts: pulumi.CustomResourceOptions,
) {
  return ids.map((id) => {
    const m = METRICS[id];
    return new aws.cloudwatch.LogMetricFilter(
      `${name}-${m.name}`,
      {
        logGroupName,
        pattern: emfFilterPattern(m.name),
        metricTransformation: {
          name: m.name,
          namespace: METRICS_NAMESPACE,
          value: `$.${m.name}`,
          unit: m.name.endsWith('_seconds') ? 'Seconds' : id === 'gate' ? 'None' : 'Count',
          ...(m.labels.length ? { dimensions: Object.fromEntries(m.labels.map((l) => [l, `$.${l}`])) } : {}),
        },
      },
      opts,
    );
  });
}

/** Final states that page someone. */
export const ALARMED_STATES = ['FAILED', 'CRASHED'] as const;

/** The one topic every alarm notifies (created first: the news stream's alarms use it too). */
export function alarmTopic(
  name: string,
  env: string,
  kmsKeyArn: pulumi.Input<string>,
  tags: Record<string, string>,
) {
  return new aws.sns.Topic(name, { name: `finlake-${env}-alarms`, kmsMasterKeyId: kmsKeyArn, tags });
}

export interface ObservabilityArgs {
  env: string;
  kmsKeyArn: pulumi.Input<string>;
  alarmTopicArn: pulumi.Input<string>;
  /** Where the flow runs log (the Prefect work pool's awslogs group). */
  flowLogGroupName: pulumi.Input<string>;
  api: { name: pulumi.Input<string>; stage: pulumi.Input<string> };
  /** How old gold may get before it pages: the nightly runs Monday to Friday, so a long weekend is ~4 days. */
  freshnessSlaHours: number;
  /** The dashboard's generated JSON (tools/dashboards), stored beside the deploy's artefacts. */
  dashboardJsonPath: string;
  artefactsBucket: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * Alarms to one SNS topic: any deployed flow's run failed or crashed, gold older than its SLA (also when
 * no run reported at all), API 5xx; metric filters for the flows' EMF lines; the Managed Grafana workspace
 * (CloudWatch as its data source) and the dashboard's JSON as an artefact its provisioning imports
 * (docs/observability.md: the Grafana HTTP API call).
 */
export class Observability extends pulumi.ComponentResource {
  readonly grafanaUrl: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:observe:Observability', name, args, opts);
    const parent = { parent: this };
    const actions = [args.alarmTopicArn];

    emfMetricFilters(name, args.flowLogGroupName, EMF_METRICS.flows, parent);

    const flows = [...new Set(Object.values(DEPLOYMENTS).map((d) => d.flow))].sort();
    for (const flow of flows)
      for (const state of ALARMED_STATES)
        countAlarm(
          `${name}-${flow}-${state.toLowerCase()}`,
          {
            namespace: METRICS_NAMESPACE,
            metricName: METRICS.flowRuns.name,
            dimensions: { flow, state },
            description: `A ${flow} run ${state}: see its logs (npx finlake logs <run-id>; docs/observability.md).`,
            actions,
            tags: args.tags,
          },
          parent,
        );
    // The nightly reports each published mart's freshness; no report for the whole SLA counts as stale too.
    const hours = args.freshnessSlaHours;
    for (const mart of GOLD_MARTS)
      new aws.cloudwatch.MetricAlarm(
        `${name}-${mart}-freshness`,
        {
          namespace: METRICS_NAMESPACE,
          metricName: METRICS.freshness.name,
          dimensions: { dataset: mart },
          statistic: 'Minimum',
          period: 3600,
          evaluationPeriods: hours,
          datapointsToAlarm: hours,
          threshold: hours * 3600,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'breaching',
          alarmDescription: `Served ${mart} has not been refreshed for ${hours} hours (freshness SLA).`,
          alarmActions: actions,
          tags: args.tags,
        },
        parent,
      );
    countAlarm(
      `${name}-api-5xx`,
      {
        namespace: 'AWS/ApiGateway',
        metricName: '5XXError',
        dimensions: { ApiName: args.api.name, Stage: args.api.stage },
        threshold: 5,
        description: 'The gold API answered more than 5 server errors in 5 minutes.',
        actions,
        tags: args.tags,
      },
      parent,
    );

    // Managed Grafana: AWS SSO users, CloudWatch through the workspace's own role.
    const grafanaRole = new aws.iam.Role(
      `${name}-grafana`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'grafana.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
        tags: args.tags,
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-grafana-cloudwatch`,
      {
        role: grafanaRole.name,
        policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonGrafanaCloudWatchAccess',
      },
      parent,
    );
    const workspace = new aws.grafana.Workspace(
      `${name}-grafana`,
      {
        name: `finlake-${args.env}`,
        accountAccessType: 'CURRENT_ACCOUNT',
        authenticationProviders: ['AWS_SSO'],
        permissionType: 'SERVICE_MANAGED',
        dataSources: ['CLOUDWATCH'],
        roleArn: grafanaRole.arn,
        tags: args.tags,
      },
      parent,
    );
    new aws.s3.BucketObjectv2(
      `${name}-dashboard`,
      {
        bucket: args.artefactsBucket,
        key: 'grafana/finlake-platform.json',
        content: readFileSync(args.dashboardJsonPath, 'utf8'),
        contentType: 'application/json',
        serverSideEncryption: 'aws:kms',
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );

    this.grafanaUrl = pulumi.interpolate`https://${workspace.endpoint}`;
    this.registerOutputs({ grafanaUrl: this.grafanaUrl });
  }
}
