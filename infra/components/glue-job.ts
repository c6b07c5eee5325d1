import type { DataLake } from './data-lake.ts';
import type { SecureBucket } from './secure-bucket.ts';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ARTIFACTS, FMP_EOD_PRICES, NAMES, fill } from '@finlake/platform';
import { readFileSync } from 'node:fs';
import { glueAdditionalModules, gluePackageLayout } from './glue-job-layout.ts';
import { bucketAccess, glueCatalogAccess, kmsUse, type Statement } from './iam.ts';
import { serviceRole } from './security.ts';

export interface GlueJobArgs {
  env: string;
  /** Reads bronze, writes silver and its catalog; its code comes from the artefacts bucket. */
  lake: DataLake;
  artefacts: SecureBucket;
  region: string;
  accountId: pulumi.Input<string>;
  /** Local paths of the entry script and of what the job's package zip holds (gluePackageLayout). */
  scriptPath: string;
  packageDir: string;
  /** The job's pyproject.toml: its pins become `--additional-python-modules`. */
  pyprojectPath: string;
  /** libs/schemas/generated/json-schema: the dataset contracts the job reads. */
  contractsDir: string;
  /** libs/platform/generated/platform.json: the key layouts the job reads. */
  platformJson: string;
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
  /** The job's role: Lake Formation grants it silver's tables and location. */
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: GlueJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:transform:GlueJob', name, args, opts);
    const parent = { parent: this };
    const script = new aws.s3.BucketObjectv2(
      `${name}-script`,
      {
        bucket: args.artefacts.name,
        key: ARTIFACTS.glueScript,
        source: new pulumi.asset.FileAsset(args.scriptPath),
        serverSideEncryption: 'aws:kms',
        kmsKeyId: args.lake.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    const pkg = new aws.s3.BucketObjectv2(
      `${name}-package`,
      {
        bucket: args.artefacts.name,
        key: ARTIFACTS.gluePackage, // the package folder at the zip's root, as --extra-py-files needs
        source: new pulumi.asset.AssetArchive(
          Object.fromEntries(
            Object.entries(gluePackageLayout(args)).map(([path, src]) => [
              path,
              'dir' in src ? new pulumi.asset.FileArchive(src.dir) : new pulumi.asset.FileAsset(src.file),
            ]),
          ),
        ),
        serverSideEncryption: 'aws:kms',
        kmsKeyId: args.lake.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    const logGroup = `/aws-glue/jobs`;
    const role = serviceRole(
      `${name}-role`,
      'glue.amazonaws.com',
      [
        args.lake.bronze.arn,
        args.lake.silver.arn,
        args.artefacts.arn,
        args.lake.kmsKeyArn,
        args.lake.silverDatabase,
        args.accountId,
      ],
      ([bronze, silver, artefacts, key, db, acct]): Statement[] => [
        ...bucketAccess('Bronze', bronze!, 'read'),
        ...bucketAccess('Silver', silver!, 'readwrite'),
        ...bucketAccess('Artefacts', artefacts!, 'read', [ARTIFACTS.glueScript, ARTIFACTS.gluePackage]),
        kmsUse(key!),
        glueCatalogAccess('SilverCatalog', args.region, acct!, db!, [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:UpdateTable',
          'glue:GetPartitions',
          'glue:BatchCreatePartition',
          // The streamed tables' day pointers: a partition's location is switched to its new version.
          'glue:GetPartition',
          'glue:CreatePartition',
          'glue:UpdatePartition',
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
        name: fill(NAMES.glueJob, { env: args.env }),
        roleArn: role.arn,
        glueVersion: '5.0',
        command: {
          name: 'glueetl',
          pythonVersion: '3',
          scriptLocation: pulumi.interpolate`s3://${args.artefacts.name}/${script.key}`,
        },
        workerType: args.workerType,
        numberOfWorkers: args.numberOfWorkers,
        timeout: args.timeoutMinutes,
        maxRetries: 0, // Prefect owns retries, so a retried run keeps one run id
        executionProperty: { maxConcurrentRuns: 4 },
        defaultArguments: {
          '--job-language': 'python',
          '--extra-py-files': pulumi.interpolate`s3://${args.artefacts.name}/${pkg.key}`,
          '--enable-metrics': 'true',
          '--enable-continuous-cloudwatch-log': 'true',
          '--enable-glue-datacatalog': 'true',
          '--dataset': FMP_EOD_PRICES.silverTable,
          '--bronze_uri': pulumi.interpolate`s3://${args.lake.bronze.name}`,
          '--silver_uri': pulumi.interpolate`s3://${args.lake.silver.name}`,
          '--mode': 'window',
          // A streamed dataset's days are partitions of this database (their locations are its pointers).
          '--silver_database': args.lake.silverDatabase,
          '--additional-python-modules': glueAdditionalModules(readFileSync(args.pyprojectPath, 'utf8')),
        },
        tags: args.tags,
      },
      parent,
    );
    this.jobName = job.name;
    this.roleArn = role.arn;
    this.registerOutputs({ jobName: this.jobName });
  }
}
