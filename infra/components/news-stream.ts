import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  checkpointsPrefix,
  deadLettersPrefix,
  deliveryStreamName,
  EMF_METRICS,
  METRICS_NAMESPACE,
  NAMES,
  NEWS_DELIVERY,
  producerName,
  renderFirehosePrefix,
  SERVICES,
  fill,
  streamErrorPrefix,
  streamLandingPrefix,
  streamName,
  type StreamDelivery,
  type InfraEnvOf,
} from '@finlake/platform';
import { bucketAccess, kmsUse, secretRead, type Statement } from './iam.ts';
import { fargateTask, serviceLogGroup } from './ecs.ts';
import { countAlarm, emfMetricFilters } from './observability.ts';
import { serviceRole } from './security.ts';

type Stack = keyof typeof NEWS_DELIVERY.buffering;

/**
 * Firehose's S3 settings for the news delivery, from the one config object the local delivery also reads.
 * Both prefixes are rendered through the local evaluator first: an expression it cannot evaluate (so a
 * landing the twin could not reproduce) fails here, before anything is planned.
 */
export function firehoseS3Settings(env: string, d: StreamDelivery = NEWS_DELIVERY) {
  renderFirehosePrefix(d.prefix, new Date(0));
  renderFirehosePrefix(d.errorOutputPrefix, new Date(0), 'processing-failed');
  const hints = d.buffering[(env in d.buffering ? env : 'dev') as Stack];
  return {
    prefix: d.prefix,
    errorOutputPrefix: d.errorOutputPrefix,
    compressionFormat: d.compression,
    bufferingSize: hints.sizeMiB,
    bufferingInterval: hints.intervalSeconds,
  };
}

/** Firehose's role: read exactly this stream, write exactly the landing and error prefixes. */
export function firehoseStatements(
  streamArn: string,
  bronzeArn: string,
  kmsKeyArn: string,
  d: StreamDelivery = NEWS_DELIVERY,
): Statement[] {
  return [
    {
      Sid: 'ReadStream',
      Effect: 'Allow',
      Action: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetShardIterator',
        'kinesis:GetRecords',
        'kinesis:ListShards',
      ],
      Resource: [streamArn],
    },
    ...bucketAccess('Landing', bronzeArn, 'write', [streamLandingPrefix(d), streamErrorPrefix(d)]),
    kmsUse(kmsKeyArn),
  ];
}

/** The producer's task role: put on exactly this stream; its checkpoint and dead letters in bronze; its key. */
export function producerStatements(
  streamArn: string,
  bronzeArn: string,
  kmsKeyArn: string,
  apiKeySecretArn: string,
  delivery: StreamDelivery = NEWS_DELIVERY,
): Statement[] {
  const d = delivery.dataset;
  return [
    {
      Sid: 'PutRecords',
      Effect: 'Allow',
      Action: ['kinesis:PutRecords', 'kinesis:PutRecord', 'kinesis:DescribeStreamSummary'],
      Resource: [streamArn],
    },
    ...bucketAccess('ProducerState', bronzeArn, 'readwrite', [checkpointsPrefix(d), deadLettersPrefix(d)]),
    kmsUse(kmsKeyArn),
    secretRead('FmpApiKey', [apiKeySecretArn]),
  ];
}

export interface NewsStreamArgs {
  env: string;
  /** The streamed dataset (default news; a source generated with `--kind stream` gets its own). */
  delivery?: StreamDelivery;
  /** Provisioned shards, or 0 for on-demand capacity. */
  shards: number;
  retentionHours: number;
  bronzeBucketArn: pulumi.Input<string>;
  bronzeBucketName: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  apiKeySecretArn: pulumi.Input<string>;
  ratePerMin: number;
  symbols: string;
  clusterArn: pulumi.Input<string>;
  image: pulumi.Input<string>;
  executionRole: aws.iam.Role;
  privateSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  logRetentionDays: number;
  /** Where alarms notify. */
  alarmTopicArn?: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** ECS's stop timeout for the producer: SIGTERM, then this long to flush, then SIGKILL. */
export const PRODUCER_STOP_TIMEOUT_S = 30;
/** The producer's /healthz port (the container healthcheck). */
export const PRODUCER_HEALTH_PORT = 8080;

/**
 * The streamed news source: a KMS-encrypted Kinesis stream, Firehose from it into bronze under the
 * contract's prefix (GZIP, buffering per stack), the producer as one Fargate Spot task that never overlaps
 * a second poller (minimumHealthyPercent 0, maximumPercent 100), and alarms on the delivery's iterator age
 * and on dead letters.
 */
export class NewsStream extends pulumi.ComponentResource {
  readonly streamArn: pulumi.Output<string>;
  readonly streamName: pulumi.Output<string>;
  readonly deliveryStreamArn: pulumi.Output<string>;
  readonly producerRoleArn: pulumi.Output<string>;

  constructor(name: string, args: NewsStreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:ingest:NewsStream', name, args, opts);
    const parent = { parent: this };
    const d = args.delivery ?? NEWS_DELIVERY;
    const news = d === NEWS_DELIVERY;
    // news-producer for news (its image's name), <dataset>-producer for a generated source (the same image).
    const producerService = producerName(d);
    const stream = new aws.kinesis.Stream(
      `${name}-stream`,
      {
        name: streamName(d, args.env),
        ...(args.shards > 0
          ? { shardCount: args.shards, streamModeDetails: { streamMode: 'PROVISIONED' } }
          : { streamModeDetails: { streamMode: 'ON_DEMAND' } }),
        retentionPeriod: args.retentionHours,
        encryptionType: 'KMS',
        kmsKeyId: args.kmsKeyArn,
        shardLevelMetrics: [
          'IncomingRecords',
          'WriteProvisionedThroughputExceeded',
          'IteratorAgeMilliseconds',
        ],
        tags: args.tags,
      },
      parent,
    );
    const firehoseRole = serviceRole(
      `${name}-firehose`,
      'firehose.amazonaws.com',
      [stream.arn, args.bronzeBucketArn, args.kmsKeyArn],
      ([s, b, k]) => firehoseStatements(s!, b!, k!, d),
      { parent: this, tags: args.tags },
    );
    const s3 = firehoseS3Settings(args.env, d);
    const delivery = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-delivery`,
      {
        name: deliveryStreamName(d, args.env),
        destination: 'extended_s3',
        kinesisSourceConfiguration: { kinesisStreamArn: stream.arn, roleArn: firehoseRole.arn },
        extendedS3Configuration: {
          roleArn: firehoseRole.arn,
          bucketArn: args.bronzeBucketArn,
          kmsKeyArn: args.kmsKeyArn,
          ...s3,
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: [firehoseRole] },
    );

    const svc = SERVICES.newsProducer;
    const logs = serviceLogGroup(
      name,
      { env: args.env, service: producerService, retentionInDays: args.logRetentionDays, tags: args.tags },
      this,
    );
    const role = serviceRole(
      `${name}-producer`,
      'ecs-tasks.amazonaws.com',
      [stream.arn, args.bronzeBucketArn, args.kmsKeyArn, args.apiKeySecretArn],
      ([s, b, k, sec]) => producerStatements(s!, b!, k!, sec!, d),
      { parent: this, tags: args.tags },
    );
    type SymbolsEnv = 'NEWS_SYMBOLS' | 'STREAM_SYMBOLS';
    const environment: Record<Exclude<InfraEnvOf<'newsProducer'>, SymbolsEnv>, pulumi.Input<string>> &
      Partial<Record<SymbolsEnv, string>> = {
      FINLAKE_ENV: args.env,
      STREAM_DATASET: d.dataset.silverTable,
      PRODUCER_NAME: producerService,
      ...(news ? { NEWS_SYMBOLS: args.symbols } : { STREAM_SYMBOLS: args.symbols }),
      FINLAKE_BRONZE_URI: pulumi.interpolate`s3://${args.bronzeBucketName}`,
      FMP_API_KEY_SECRET_ID: args.apiKeySecretArn,
      FMP_RATE_LIMIT_PER_MIN: String(args.ratePerMin),
      KINESIS_STREAM_NAME: stream.name,
      STOP_TIMEOUT_MS: String(PRODUCER_STOP_TIMEOUT_S * 1000),
      HEALTH_PORT: String(PRODUCER_HEALTH_PORT),
      METRICS_EMF_INTERVAL_MS: '60000',
    };
    const task = fargateTask(
      `${name}-producer`,
      {
        family: fill(NAMES.taskFamily, { env: args.env, service: producerService }),
        cpu: 256,
        memory: 512,
        executionRoleArn: args.executionRole.arn,
        taskRoleArn: role.arn,
        container: {
          name: svc.container,
          image: args.image,
          command: [...svc.command],
          environment: environment as Record<string, pulumi.Input<string>>,
          logGroup: logs.name,
          stopTimeout: PRODUCER_STOP_TIMEOUT_S,
          healthCommand: [
            'CMD',
            'node',
            '-e',
            `fetch('http://127.0.0.1:${PRODUCER_HEALTH_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
          ],
        },
        tags: args.tags,
      },
      parent,
    );
    new aws.ecs.Service(
      `${name}-producer`,
      {
        cluster: args.clusterArn,
        taskDefinition: task.arn,
        desiredCount: 1,
        // Spot: an interruption is a SIGTERM (flush, checkpoint) and a restart from the checkpoint.
        capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
        // Never two pollers: the old task stops before the new one starts.
        deploymentMinimumHealthyPercent: 0,
        deploymentMaximumPercent: 100,
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

    const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
    // Firehose reads the stream: its iterator age is how far bronze lags the producer.
    new aws.cloudwatch.MetricAlarm(
      `${name}-iterator-age`,
      {
        namespace: 'AWS/Kinesis',
        metricName: 'GetRecords.IteratorAgeMilliseconds',
        dimensions: { StreamName: stream.name },
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 3,
        threshold: 15 * 60_000,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        alarmDescription: `${d.dataset.silverTable} is more than 15 minutes behind on its way to bronze (Firehose iterator age).`,
        alarmActions: actions,
        tags: args.tags,
      },
      parent,
    );
    // The producer's EMF lines (lag, queue, records, throttles) become metrics: awslogs does not extract EMF.
    emfMetricFilters(`${name}-producer`, logs.name, EMF_METRICS.newsProducer, { parent: this });
    // The producer logs `dead-lettered` for every object it writes to the dead-letter area.
    const deadLetters = new aws.cloudwatch.LogMetricFilter(
      `${name}-dead-letters`,
      {
        logGroupName: logs.name,
        pattern: '{ $.msg = "dead-lettered" }',
        metricTransformation: {
          name: news ? 'NewsDeadLetteredRecords' : `${producerService}-dead-lettered-records`,
          namespace: METRICS_NAMESPACE,
          value: '$.records',
          defaultValue: '0',
        },
      },
      parent,
    );
    countAlarm(
      `${name}-dead-letters`,
      {
        namespace: METRICS_NAMESPACE,
        metricName: deadLetters.metricTransformation.name,
        description: `${d.dataset.silverTable} records went to the dead-letter area (bronze ${deadLettersPrefix(d.dataset)}): replay them with the producer's task and the command replay-dead-letters.`,
        actions,
        tags: args.tags,
      },
      parent,
    );
    this.streamArn = stream.arn;
    this.streamName = stream.name;
    this.deliveryStreamArn = delivery.arn;
    this.producerRoleArn = role.arn;
    this.registerOutputs({ streamArn: this.streamArn, deliveryStreamArn: this.deliveryStreamArn });
  }
}
