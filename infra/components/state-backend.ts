import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { SecureBucket } from './secure-bucket.ts';

export interface StateBackendArgs {
  tags: Record<string, string>;
}

/**
 * The bucket Pulumi keeps its state in (`pulumi login s3://<bucket>`), with its own KMS key that also
 * serves as the stacks' secrets provider (`awskms://alias/finlake-pulumi`). Created once per account by
 * the bootstrap program, before any stack.
 */
export class StateBackend extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly kmsAlias: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:bootstrap:StateBackend', name, args, opts);
    const parent = { parent: this };
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: 'Pulumi state and stack secrets',
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      parent,
    );
    const alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: 'alias/finlake-pulumi', targetKeyId: key.keyId },
      parent,
    );
    const logs = new SecureBucket(
      `${name}-access-logs`,
      { tags: { ...args.tags, 'finlake:role': 'access-logs' }, noncurrentVersionExpiryDays: 30 },
      parent,
    );
    const state = new SecureBucket(
      `${name}-state`,
      // State history is the audit trail of the platform: keep old versions a year.
      { tags: args.tags, kmsKeyArn: key.arn, accessLogBucket: logs.name, noncurrentVersionExpiryDays: 365 },
      { parent: this, protect: true },
    );
    this.bucketName = state.name;
    this.kmsAlias = alias.name;
    this.registerOutputs({ bucketName: this.bucketName, kmsAlias: this.kmsAlias });
  }
}
