import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { bucketAccess, glueCatalogAccess, kmsUse, type Statement } from './iam.ts';
import { serviceRole } from './security.ts';

export interface GlueJobArgs {
  env: string;
  region: string;
  accountId: pulumi.Input<string>;
  /** Local paths of the entry script and the `finlake_glue` package (zipped on upload). */
  scriptPath: string;
  packageDir: string;
  artefactsBucketName: pulumi.Input<string>;
  artefactsBucketArn: pulumi.Input<string>;
  bronzeBucketName: pulumi.Input<string>;
  bronzeBucketArn: pulumi.Input<string>;
  silverBucketName: pulumi.Input<string>;
  silverBucketArn: pulumi.Input<string>;
  silverDatabase: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  workerType: string;
  numberOfWorkers: number;
  timeoutMinutes: number;
  tags: Record<string, string>;
}

/**
 * The bronze-to-silver job on Glue 5.0 (Spark 3.5, Python 3.11), with the argument contract of
 * apps/glue-bronze-to-silver/README.md: the zones are fixed here, the run's own arguments (`--run_id`,
 * `--mode`, `--from`, `--to`) come with each StartJobRun from the Prefect flow.
 */
export class GlueJob extends pulumi.ComponentResource {
  readonly jobName: pulumi.Output<string>;

  constructor(name: string, args: GlueJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:transform:GlueJob', name, args, opts);
    const parent = { parent: this };
    const script = new aws.s3.BucketObjectv2(
      `${name}-script`,
      {
        bucket: args.artefactsBucketName,
        key: 'glue/bronze_to_silver/glue_entry.py',
        source: new pulumi.asset.FileAsset(args.scriptPath),
        serverSideEncryption: 'aws:kms',
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    const pkg = new aws.s3.BucketObjectv2(
      `${name}-package`,
      {
        bucket: args.artefactsBucketName,
        key: 'glue/bronze_to_silver/finlake_glue.zip', // A zip with the package folder at its root, as --extra-py-files needs.
        source: new pulumi.asset.AssetArchive({
          finlake_glue: new pulumi.asset.FileArchive(args.packageDir),
        }),
        serverSideEncryption: 'aws:kms',
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    const logGroup = `/aws-glue/jobs`;
    const role = serviceRole(
      `${name}-role`,
      'glue.amazonaws.com',
      [
        args.bronzeBucketArn,
        args.silverBucketArn,
        args.artefactsBucketArn,
        args.kmsKeyArn,
        args.silverDatabase,
        args.accountId,
      ],
      ([bronze, silver, artefacts, key, db, acct]): Statement[] => [
        ...bucketAccess('Bronze', bronze!, 'read'),
        ...bucketAccess('Silver', silver!, 'readwrite'),
        ...bucketAccess('Artefacts', artefacts!, 'read', 'glue/'),
        kmsUse(key!),
        glueCatalogAccess('SilverCatalog', args.region, acct!, db!, [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:UpdateTable',
          'glue:GetPartitions',
          'glue:BatchCreatePartition',
        ]),
        {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`arn:aws:logs:${args.region}:${acct}:log-group:${logGroup}*`],
        },
        {
          Sid: 'Metrics',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: ['*'],
          Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
        },
      ],
      { parent: this, tags: args.tags },
    );
    const job = new aws.glue.Job(
      `${name}-job`,
      {
        name: `finlake-${args.env}-bronze-to-silver`,
        roleArn: role.arn,
        glueVersion: '5.0',
        command: {
          name: 'glueetl',
          pythonVersion: '3',
          scriptLocation: pulumi.interpolate`s3://${args.artefactsBucketName}/${script.key}`,
        },
        workerType: args.workerType,
        numberOfWorkers: args.numberOfWorkers,
        timeout: args.timeoutMinutes,
        maxRetries: 0, // Prefect owns retries, so a retried run keeps one run id
        executionProperty: { maxConcurrentRuns: 4 },
        defaultArguments: {
          '--job-language': 'python',
          '--extra-py-files': pulumi.interpolate`s3://${args.artefactsBucketName}/${pkg.key}`,
          '--enable-metrics': 'true',
          '--enable-continuous-cloudwatch-log': 'true',
          '--enable-glue-datacatalog': 'true',
          '--dataset': 'fmp_eod_prices',
          '--bronze_uri': pulumi.interpolate`s3://${args.bronzeBucketName}`,
          '--silver_uri': pulumi.interpolate`s3://${args.silverBucketName}`,
          '--mode': 'window',
        },
        tags: args.tags,
      },
      parent,
    );
    this.jobName = job.name;
    this.registerOutputs({ jobName: this.jobName });
  }
}
