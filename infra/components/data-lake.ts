import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { dailyPortfolioSummary, fmpEodPrices, fmpEodPricesRejects, type Dataset } from '@finlake/schemas';
import { glueTableArgs } from './catalog.ts';
import { elbLogDelivery, SecureBucket } from './secure-bucket.ts';

export interface DataLakeArgs {
  env: string;
  /** Bronze is raw and rarely read after it is cleaned: cheaper storage classes over time. */
  bronzeInfrequentAccessDays?: number;
  bronzeGlacierDays?: number;
  noncurrentVersionExpiryDays?: number;
  /** Athena refuses any query that would scan more than this (a runaway query costs $5/TB). */
  athenaBytesScannedCutoff: number;
  forceDestroy?: boolean;
  /** Region and account, so the access-log bucket can take the load balancers' logs. */
  region: string;
  accountId: pulumi.Input<string>;
  tags: Record<string, string>;
}

export const ALB_LOG_PREFIX = 'alb';

/** Bronze lifecycle: Standard-IA, then Glacier Instant Retrieval (still readable for a reprocess). */
export function bronzeLifecycleRules(
  iaDays: number,
  glacierDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  if (!(iaDays >= 30 && glacierDays > iaDays))
    throw new Error(
      `bronze lifecycle: IA after >= 30 days and Glacier after that (got ${iaDays}, ${glacierDays})`,
    );
  return [
    {
      id: 'bronze-tiering',
      status: 'Enabled',
      filter: {},
      transitions: [
        { days: iaDays, storageClass: 'STANDARD_IA' },
        { days: glacierDays, storageClass: 'GLACIER_IR' },
      ],
    },
  ];
}

/**
 * The lake: bronze, silver, gold (+ Athena results and access logs), one KMS key; the Glue catalog
 * (silver tables from the contracts; gold's published serving table) and the Athena workgroup with
 * enforced settings.
 */
export class DataLake extends pulumi.ComponentResource {
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly bronze: SecureBucket;
  readonly silver: SecureBucket;
  readonly gold: SecureBucket;
  readonly athenaResults: SecureBucket;
  readonly accessLogs: SecureBucket;
  readonly silverDatabase: pulumi.Output<string>;
  readonly goldDatabase: pulumi.Output<string>;
  readonly goldTable: pulumi.Output<string>;
  readonly workGroupName: pulumi.Output<string>;
  readonly workGroupArn: pulumi.Output<string>;

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:storage:DataLake', name, args, opts);
    const parent = { parent: this };
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Finlake ${args.env} lake`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      parent,
    );
    new aws.kms.Alias(
      `${name}-key`,
      { name: `alias/finlake-${args.env}-lake`, targetKeyId: key.keyId },
      parent,
    );
    const common = {
      noncurrentVersionExpiryDays: args.noncurrentVersionExpiryDays ?? 90,
      forceDestroy: args.forceDestroy ?? false,
    };
    // S3 server access logging cannot deliver to a KMS-encrypted bucket: SSE-S3 here.
    this.accessLogs = new SecureBucket(
      `${name}-access-logs`,
      {
        ...common,
        extraStatements: elbLogDelivery(args.region, ALB_LOG_PREFIX, args.accountId),
        tags: { ...args.tags, 'finlake:role': 'access-logs' },
      },
      parent,
    );
    const zone = (zoneName: string, extra: Partial<ConstructorParameters<typeof SecureBucket>[1]> = {}) =>
      new SecureBucket(
        `${name}-${zoneName}`,
        {
          ...common,
          kmsKeyArn: key.arn,
          accessLogBucket: this.accessLogs.name,
          tags: { ...args.tags, zone: zoneName },
          ...extra,
        },
        parent,
      );
    this.bronze = zone('bronze', {
      eventBridge: true,
      lifecycleRules: bronzeLifecycleRules(
        args.bronzeInfrequentAccessDays ?? 30,
        args.bronzeGlacierDays ?? 180,
      ),
    });
    this.silver = zone('silver');
    this.gold = zone('gold');
    this.athenaResults = zone('athena-results', {
      lifecycleRules: [{ id: 'expire-results', status: 'Enabled', filter: {}, expiration: { days: 30 } }],
    });

    const db = (zoneName: string) =>
      new aws.glue.CatalogDatabase(
        `${name}-${zoneName}`,
        {
          name: `finlake_${args.env}_${zoneName}`,
          description: `Finlake ${args.env} ${zoneName} zone`,
          tags: args.tags,
        },
        parent,
      );
    const silverDb = db('silver');
    const goldDb = db('gold');
    const table = (
      database: aws.glue.CatalogDatabase,
      bucket: SecureBucket,
      dataset: Dataset,
      prefix: string,
    ) =>
      new aws.glue.CatalogTable(
        `${name}-${dataset.name}`,
        {
          name: dataset.name,
          databaseName: database.name,
          ...glueTableArgs(dataset, ''),
          // Plain values only (no nested Inputs), so the Output is the descriptor itself.
          storageDescriptor: bucket.name.apply(
            (b) => glueTableArgs(dataset, `s3://${b}/${prefix}/`).storageDescriptor,
          ) as pulumi.Input<aws.types.input.glue.CatalogTableStorageDescriptor>,
        },
        parent,
      );
    table(silverDb, this.silver, fmpEodPrices, fmpEodPrices.name);
    table(silverDb, this.silver, fmpEodPricesRejects, `_rejects/${fmpEodPrices.name}`);
    // Gold's published serving table (the write-audit-publish gate copies audited candidates here).
    const gold = table(goldDb, this.gold, dailyPortfolioSummary, dailyPortfolioSummary.name);

    const wg = new aws.athena.Workgroup(
      `${name}-athena`,
      {
        name: `finlake-${args.env}`,
        state: 'ENABLED',
        forceDestroy: args.forceDestroy ?? false,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: args.athenaBytesScannedCutoff,
          engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${this.athenaResults.name}/results/`,
            encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: key.arn },
          },
        },
        tags: args.tags,
      },
      parent,
    );

    this.kmsKeyArn = key.arn;
    this.silverDatabase = silverDb.name;
    this.goldDatabase = goldDb.name;
    this.goldTable = pulumi.interpolate`${goldDb.name}.${gold.name}`;
    this.workGroupName = wg.name;
    this.workGroupArn = wg.arn;
    this.registerOutputs({
      bronzeBucket: this.bronze.name,
      silverBucket: this.silver.name,
      goldBucket: this.gold.name,
      goldTable: this.goldTable,
      workGroup: this.workGroupName,
    });
  }
}
