// Column-level access to the lake with Lake Formation, from the contracts: each gold column's sensitivity
// (libs/schemas) becomes an LF-Tag on the catalog column, and principals are granted by tag expression,
// never column by column, so a new column is governed the day its contract names it.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { columnsOf, DATASETS, SENSITIVITIES, type Sensitivity } from '@finlake/schemas';
import { analystRoleName, GOLD_MARTS, GOVERNANCE } from '@finlake/platform';
import { athenaQueries, bucketAccess, glueCatalogAccess, kmsUse, type Statement } from './iam.ts';
import { serviceRole } from './security.ts';

/** Who reads which sensitivities of gold: the API serves every column (and filters per token itself). */
export const GOLD_READERS = {
  servingApi: SENSITIVITIES,
  analyst: ['public'],
} as const satisfies Record<string, readonly Sensitivity[]>;

/** One LF-Tag assignment: these columns of this gold table carry this sensitivity. */
export interface ColumnTagging {
  table: string;
  sensitivity: Sensitivity;
  columns: string[];
}

/** Every served gold column with its contract's sensitivity, grouped per table and value. */
export function goldColumnTaggings(): ColumnTagging[] {
  return GOLD_MARTS.flatMap((mart) => {
    const contract = DATASETS.find((d) => d.zone === 'gold' && d.name === mart);
    if (!contract) throw new Error(`gold mart ${mart} has no contract in libs/schemas`);
    const stored = columnsOf(contract).filter((c) => !contract.partitionBy.some((p) => p.name === c.name));
    return SENSITIVITIES.map((sensitivity) => ({
      table: mart,
      sensitivity,
      columns: stored.filter((c) => c.sensitivity === sensitivity).map((c) => c.name),
    })).filter((t) => t.columns.length > 0);
  });
}

export interface LakeGovernanceArgs {
  env: string;
  region: string;
  accountId: pulumi.Input<string>;
  /** The account's Lake Formation settings (lakeFormationSettings), created before the catalog. */
  settings: aws.lakeformation.DataLakeSettings;
  goldDatabase: pulumi.Input<string>;
  candidatesDatabase: pulumi.Input<string>;
  silverDatabase: pulumi.Input<string>;
  goldBucketArn: pulumi.Input<string>;
  silverBucketArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  workGroupArn: pulumi.Input<string>;
  resultsBucketArn: pulumi.Input<string>;
  /** The served gold tables: tagged after they exist. */
  goldTables: pulumi.Resource[];
  roles: {
    servingApi: pulumi.Input<string>;
    dbt: pulumi.Input<string>;
    /** Publishes gold: switches a served table's location (UpdateTable). */
    publisher: pulumi.Input<string>;
    glue: pulumi.Input<string>;
  };
  tags: Record<string, string>;
}

/**
 * The account's Lake Formation settings: the admins, and no `IAMAllowedPrincipals` default grant on new
 * databases and tables (with it, every IAM principal with Glue access reads every column, whatever the
 * tags say). Two traps: the settings replace the whole admin list, so the deployer is always in it (or the
 * next deploy could not manage a grant); and the default applies when a database is created, so the
 * catalog's databases must be created after these settings (DataLake's `catalogDependsOn`). A database
 * created before them keeps the super grant: docs/governance.md gives the one-time revoke.
 */
export function lakeFormationSettings(
  name: string,
  args: { deployerArn: pulumi.Input<string>; admins: string[] },
): aws.lakeformation.DataLakeSettings {
  return new aws.lakeformation.DataLakeSettings(name, {
    admins: pulumi
      .all([args.deployerArn, args.admins])
      .apply(([deployer, admins]) => [...new Set([deployer, ...admins])].sort()),
    // Empty lists, not omitted: omitted keeps AWS's default (ALL to IAM_ALLOWED_PRINCIPALS).
    createDatabaseDefaultPermissions: [],
    createTableDefaultPermissions: [],
  });
}

/**
 * Lake Formation for the lake:
 * - gold and silver registered in hybrid access mode (IAM keeps working for principals not opted in; the
 *   deploy guide gives the switch to enforced), through a role that can use the lake's KMS key;
 * - the sensitivity LF-Tag, put on each gold column from its contract;
 * - grants by tag expression: the API reads every gold column, the analyst role only public ones, dbt
 *   creates in its candidates database and alters gold, the publisher alters gold, Glue writes silver.
 */
export class LakeGovernance extends pulumi.ComponentResource {
  readonly analystRoleArn: pulumi.Output<string>;

  constructor(name: string, args: LakeGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:governance:LakeGovernance', name, args, opts);
    const parent = { parent: this };

    const afterSettings = { parent: this, dependsOn: [args.settings] };

    // Lake Formation reads and writes registered locations with this role: S3 on the zone and the key.
    const registrar = serviceRole(
      `${name}-registrar`,
      'lakeformation.amazonaws.com',
      [args.goldBucketArn, args.silverBucketArn, args.kmsKeyArn],
      ([gold, silver, key]): Statement[] => [
        ...bucketAccess('Gold', gold!, 'readwrite'),
        ...bucketAccess('Silver', silver!, 'readwrite'),
        kmsUse(key!),
      ],
      { parent: this, tags: args.tags, roleName: `finlake-${args.env}-lf-registrar` },
    );
    for (const [zone, arn] of [
      ['gold', args.goldBucketArn],
      ['silver', args.silverBucketArn],
    ] as const)
      new aws.lakeformation.Resource(
        `${name}-${zone}-location`,
        { arn, roleArn: registrar.arn, hybridAccessEnabled: true },
        afterSettings,
      );

    const tag = new aws.lakeformation.LfTag(
      `${name}-sensitivity`,
      { key: GOVERNANCE.lfTagKey, values: [...SENSITIVITIES] },
      afterSettings,
    );
    const afterTag = { parent: this, dependsOn: [tag, ...args.goldTables] };
    // The database carries `public` so tables match a tag expression; every column is then tagged
    // explicitly from its contract (a restricted column overrides the inherited value).
    new aws.lakeformation.ResourceLfTags(
      `${name}-gold-database`,
      { database: { name: args.goldDatabase }, lfTags: [{ key: GOVERNANCE.lfTagKey, value: 'public' }] },
      afterTag,
    );
    for (const t of goldColumnTaggings())
      new aws.lakeformation.ResourceLfTags(
        `${name}-${t.table}-${t.sensitivity}`,
        {
          tableWithColumns: { databaseName: args.goldDatabase, name: t.table, columnNames: t.columns },
          lfTags: [{ key: GOVERNANCE.lfTagKey, value: t.sensitivity }],
        },
        afterTag,
      );

    // Analysts: Athena in the workgroup, gold's catalog; the data comes through Lake Formation's grants.
    // Its logical name is its role name, so the stack and its renderings (mocks, the twin) agree on it.
    const analyst = new aws.iam.Role(
      analystRoleName(args.env),
      {
        name: analystRoleName(args.env),
        assumeRolePolicy: pulumi.output(args.accountId).apply((acct) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${acct}:root` },
                Action: 'sts:AssumeRole',
                Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
              },
            ],
          }),
        ),
        tags: args.tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-analyst`,
      {
        role: analyst.id,
        policy: pulumi
          .all([args.workGroupArn, args.resultsBucketArn, args.kmsKeyArn, args.goldDatabase, args.accountId])
          .apply(([wg, results, key, db, acct]) =>
            JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                athenaQueries(wg),
                glueCatalogAccess('GoldCatalog', args.region, acct, db, [
                  'glue:GetDatabase',
                  'glue:GetTable',
                  'glue:GetTables',
                  'glue:GetPartitions',
                ]),
                {
                  Sid: 'LakeFormationData',
                  Effect: 'Allow',
                  Action: ['lakeformation:GetDataAccess'],
                  Resource: ['*'],
                },
                ...bucketAccess('Results', results, 'readwrite', ['analyst/']),
                kmsUse(key),
              ],
            }),
          ),
      },
      parent,
    );

    const byTags = (
      id: string,
      principal: pulumi.Input<string>,
      resourceType: 'DATABASE' | 'TABLE',
      values: readonly Sensitivity[],
      permissions: string[],
    ) =>
      new aws.lakeformation.Permissions(
        `${name}-${id}`,
        {
          principal,
          permissions,
          lfTagPolicy: { resourceType, expressions: [{ key: GOVERNANCE.lfTagKey, values: [...values] }] },
        },
        afterTag,
      );
    const everything = SENSITIVITIES;
    byTags('api-db', args.roles.servingApi, 'DATABASE', GOLD_READERS.servingApi, ['DESCRIBE']);
    byTags('api-tables', args.roles.servingApi, 'TABLE', GOLD_READERS.servingApi, ['SELECT', 'DESCRIBE']);
    byTags('analyst-db', analyst.arn, 'DATABASE', GOLD_READERS.analyst, ['DESCRIBE']);
    byTags('analyst-tables', analyst.arn, 'TABLE', GOLD_READERS.analyst, ['SELECT', 'DESCRIBE']);
    byTags('dbt-gold', args.roles.dbt, 'TABLE', everything, ['DESCRIBE', 'ALTER']);
    byTags('publisher-gold', args.roles.publisher, 'TABLE', everything, ['DESCRIBE', 'ALTER']);

    // Named grants: dbt's and Glue's own databases and the zones' registered locations.
    const grants: [string, pulumi.Input<string>, Partial<aws.lakeformation.PermissionsArgs>, string[]][] = [
      [
        'dbt-candidates',
        args.roles.dbt,
        { database: { name: args.candidatesDatabase } },
        ['CREATE_TABLE', 'ALTER', 'DROP', 'DESCRIBE'],
      ],
      [
        'dbt-candidate-tables',
        args.roles.dbt,
        { table: { databaseName: args.candidatesDatabase, wildcard: true } },
        ['SELECT', 'INSERT', 'ALTER', 'DROP', 'DESCRIBE'],
      ],
      [
        'dbt-silver',
        args.roles.dbt,
        { table: { databaseName: args.silverDatabase, wildcard: true } },
        ['SELECT', 'DESCRIBE'],
      ],
      [
        'glue-silver',
        args.roles.glue,
        { database: { name: args.silverDatabase } },
        ['CREATE_TABLE', 'ALTER', 'DESCRIBE'],
      ],
      [
        'glue-silver-tables',
        args.roles.glue,
        { table: { databaseName: args.silverDatabase, wildcard: true } },
        ['SELECT', 'INSERT', 'ALTER', 'DELETE', 'DESCRIBE'],
      ],
      [
        'dbt-gold-location',
        args.roles.dbt,
        { dataLocation: { arn: args.goldBucketArn } },
        ['DATA_LOCATION_ACCESS'],
      ],
      [
        'publisher-gold-location',
        args.roles.publisher,
        { dataLocation: { arn: args.goldBucketArn } },
        ['DATA_LOCATION_ACCESS'],
      ],
      [
        'glue-silver-location',
        args.roles.glue,
        { dataLocation: { arn: args.silverBucketArn } },
        ['DATA_LOCATION_ACCESS'],
      ],
    ];
    for (const [id, principal, target, permissions] of grants)
      new aws.lakeformation.Permissions(
        `${name}-${id}`,
        { principal, permissions, ...target },
        afterSettings,
      );
    // Hybrid mode enforces Lake Formation only for opted-in principals: the API and the analysts on gold.
    new aws.lakeformation.OptIn(
      `${name}-opt-in`,
      {
        principals: [{ dataLakePrincipalIdentifier: args.roles.servingApi }],
        resourceDatas: [{ database: { name: args.goldDatabase } }],
      },
      afterTag,
    );
    new aws.lakeformation.OptIn(
      `${name}-analyst-opt-in`,
      {
        principals: [{ dataLakePrincipalIdentifier: analyst.arn }],
        resourceDatas: [{ database: { name: args.goldDatabase } }],
      },
      afterTag,
    );

    this.analystRoleArn = analyst.arn;
    this.registerOutputs({ analystRoleArn: this.analystRoleArn });
  }
}
