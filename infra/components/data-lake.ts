import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DATASETS, type Dataset } from '@finlake/schemas';
import {
  GOLD_MARTS,
  glueDatabase,
  goldCandidatesDatabase,
  goldPublishedPrefix,
  silverRejectsPrefix,
  silverTablePrefix,
  SOURCE_DATASETS,
  NAMES,
  fill,
} from '@finlake/platform';
import { glueTableArgs } from './catalog.ts';

const GOLD_CONTRACTS = DATASETS.filter((d) => d.zone === 'gold');
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
  /** Created before the catalog's databases (Lake Formation's settings: no default super grant). */
  catalogDependsOn?: pulumi.Resource[];
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
  /** dbt's database: each run's gold candidate and the staging views (the served table is not in it). */
  readonly goldCandidatesDatabase: pulumi.Output<string>;
  readonly goldTable: pulumi.Output<string>;
  /** The served gold tables (one per mart), for what must follow them (their columns' LF-Tags). */
  readonly goldTables: aws.glue.CatalogTable[];
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

    const db = (id: string, dbName: string) =>
      new aws.glue.CatalogDatabase(
        `${name}-${id}`,
        { name: dbName, description: `Finlake ${args.env} ${id.replace(/-/g, ' ')}`, tags: args.tags },
        { parent: this, dependsOn: args.catalogDependsOn ?? [] },
      );
    const silverDb = db('silver', glueDatabase(args.env, 'silver'));
    const goldDb = db('gold', glueDatabase(args.env, 'gold'));
    const candidatesDb = db('gold-candidates', goldCandidatesDatabase(args.env));
    const table = (
      database: aws.glue.CatalogDatabase,
      bucket: SecureBucket,
      dataset: Dataset,
      prefix: string,
      opts: pulumi.CustomResourceOptions = {},
    ) =>
      new aws.glue.CatalogTable(
        `${name}-${dataset.name}`,
        {
          name: dataset.name,
          databaseName: database.name,
          ...glueTableArgs(dataset, ''),
          // Plain values only (no nested Inputs), so the Output is the descriptor itself.
          storageDescriptor: bucket.name.apply(
            (b) => glueTableArgs(dataset, `s3://${b}/${prefix}`).storageDescriptor,
          ) as pulumi.Input<aws.types.input.glue.CatalogTableStorageDescriptor>,
        },
        { parent: this, ...opts },
      );
    // Every declared source's silver table and its rejects, from their contracts (a streamed table's day
    // partitions are registered by the job as it writes them).
    for (const source of SOURCE_DATASETS) {
      const contract = (n: string) => DATASETS.find((d) => d.name === n);
      const silver = contract(source.silverTable);
      if (!silver) throw new Error(`source ${source.silverTable} has no contract in libs/schemas`);
      table(silverDb, this.silver, silver, silverTablePrefix(silver.name));
      const rejects = contract(`${source.silverTable}_rejects`);
      if (rejects) table(silverDb, this.silver, rejects, silverRejectsPrefix(silver.name));
    }
    // Gold's served tables: one owner (this program: name, columns from the contract, partitioning). The
    // publish step switches only their location to an audited candidate's (UpdateTable, versions kept), so
    // the program must not reset it.
    this.goldTables = GOLD_MARTS.map((mart) => {
      const contract = GOLD_CONTRACTS.find((d) => d.name === mart);
      if (!contract) throw new Error(`gold mart ${mart} has no contract in libs/schemas`);
      return table(goldDb, this.gold, contract, goldPublishedPrefix(mart), {
        ignoreChanges: ['storageDescriptor.location'],
      });
    });

    const wg = new aws.athena.Workgroup(
      `${name}-athena`,
      {
        name: fill(NAMES.athenaWorkGroup, { env: args.env }),
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
    this.goldCandidatesDatabase = candidatesDb.name;
    // GOLD_MARTS is a non-empty tuple: its first entry is the batch-built summary the API's GOLD_TABLE names.
    this.goldTable = pulumi.interpolate`${goldDb.name}.${this.goldTables[0]!.name}`;
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
