import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { secretNameOf } from '@finlake/platform';

export interface PrefectDatabaseArgs {
  env: string;
  privateSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  instanceClass: string;
  allocatedStorage: number;
  multiAz: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  kmsKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** Prefect's PostgreSQL (RDS, private, encrypted) and its connection URL as a generated secret. */
export class PrefectDatabase extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  /** The contract's prefectDatabaseUrl secret (`postgresql+asyncpg://...`), read by the server at start. */
  readonly urlSecretArn: pulumi.Output<string>;

  constructor(name: string, args: PrefectDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:orchestration:PrefectDatabase', name, args, opts);
    const parent = { parent: this };
    const tags = args.tags;
    const password = new random.RandomPassword(name, { length: 32, special: false }, parent);
    const subnets = new aws.rds.SubnetGroup(name, { subnetIds: args.privateSubnetIds, tags }, parent);
    const db = new aws.rds.Instance(
      name,
      {
        engine: 'postgres',
        engineVersion: '15',
        instanceClass: args.instanceClass,
        allocatedStorage: args.allocatedStorage,
        storageType: 'gp3',
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        dbName: 'prefect',
        username: 'prefect',
        password: password.result,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        multiAz: args.multiAz,
        deletionProtection: args.deletionProtection,
        backupRetentionPeriod: args.backupRetentionDays,
        skipFinalSnapshot: !args.deletionProtection,
        finalSnapshotIdentifier: args.deletionProtection ? `${name}-final-${args.env}` : undefined,
        performanceInsightsEnabled: true,
        autoMinorVersionUpgrade: true,
        copyTagsToSnapshot: true,
        tags,
      },
      parent,
    );
    const url = new aws.secretsmanager.Secret(
      `${name}-url`,
      { name: secretNameOf(args.env, 'prefectDatabaseUrl'), kmsKeyId: args.kmsKeyArn, tags },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-url`,
      {
        secretId: url.id,
        secretString: pulumi.secret(
          pulumi.interpolate`postgresql+asyncpg://prefect:${password.result}@${db.address}:${db.port}/prefect`,
        ),
      },
      parent,
    );
    this.instanceId = db.id;
    this.urlSecretArn = url.arn;
    this.registerOutputs({ instanceId: this.instanceId, urlSecretArn: this.urlSecretArn });
  }
}
