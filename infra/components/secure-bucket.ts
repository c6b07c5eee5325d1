import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface SecureBucketArgs {
  /** The KMS key objects are encrypted with (SSE-KMS, bucket key on). */
  kmsKeyArn?: pulumi.Input<string>;
  /** Server access logs go here (`<name>/` prefix). Unset only for the access-log bucket itself. */
  accessLogBucket?: pulumi.Input<string>;
  /** Extra lifecycle rules (noncurrent-version expiry is always added). */
  lifecycleRules?: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  noncurrentVersionExpiryDays?: number;
  /** Send object events to EventBridge (bronze: drives the S3 -> Prefect trigger). */
  eventBridge?: boolean;
  forceDestroy?: boolean;
  /** Further bucket-policy statements (e.g. ELB log delivery), beside the TLS-only deny. */
  extraStatements?: (bucketArn: pulumi.Output<string>) => pulumi.Output<object[]>;
  tags: Record<string, string>;
}

/** A TLS-only bucket policy (any request over plain HTTP is denied), plus any extra statements. */
export function tlsOnlyPolicy(bucketArn: string, extra: object[] = []): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      ...extra,
    ],
  });
}

/** Elastic Load Balancing's log-delivery account per region (the older regions), else its service principal. */
const ELB_ACCOUNTS: Record<string, string> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'eu-west-1': '156460612806',
  'eu-central-1': '054676820928',
};

/** Lets the ALB write its access logs under `prefix` (the bucket must use SSE-S3, as the log bucket does). */
export function elbLogDeliveryStatements(
  region: string,
  prefix: string,
  accountId: string,
  bucketArn: string,
): object[] {
  return [
    {
      Sid: 'ElbAccessLogs',
      Effect: 'Allow',
      Principal: ELB_ACCOUNTS[region]
        ? { AWS: `arn:aws:iam::${ELB_ACCOUNTS[region]}:root` }
        : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${bucketArn}/${prefix}/AWSLogs/${accountId}/*`,
    },
  ];
}

export const elbLogDelivery =
  (region: string, prefix: string, accountId: pulumi.Input<string>) => (bucketArn: pulumi.Output<string>) =>
    pulumi
      .all([bucketArn, accountId])
      .apply(([arn, account]) => elbLogDeliveryStatements(region, prefix, account, arn));

export function noncurrentExpiryRule(days: number): aws.types.input.s3.BucketLifecycleConfigurationRule {
  return {
    id: 'expire-noncurrent-versions',
    status: 'Enabled',
    filter: {},
    noncurrentVersionExpiration: { noncurrentDays: days },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
  };
}

/**
 * An S3 bucket the way every Finlake bucket is: versioned, KMS-encrypted (or SSE-S3 for the access-log
 * bucket, which S3 logging requires), all public access blocked, TLS only, server access logged, noncurrent
 * versions expired.
 */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:storage:SecureBucket', name, args, opts);
    const parent = { parent: this };
    this.bucket = new aws.s3.Bucket(
      name,
      { forceDestroy: args.forceDestroy ?? false, tags: args.tags },
      parent,
    );
    const bucket = this.bucket.id;
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: 'Enabled' } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: args.kmsKeyArn
              ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: args.kmsKeyArn }
              : { sseAlgorithm: 'AES256' },
            bucketKeyEnabled: args.kmsKeyArn !== undefined,
          },
        ],
      },
      parent,
    );
    const publicBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket,
        policy: pulumi
          .all([this.bucket.arn, args.extraStatements?.(this.bucket.arn) ?? []])
          .apply(([arn, extra]) => tlsOnlyPolicy(arn, extra as object[])),
      },
      { parent: this, dependsOn: [publicBlock] },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      parent,
    );
    if (args.accessLogBucket !== undefined) {
      new aws.s3.BucketLogging(
        `${name}-logging`,
        { bucket, targetBucket: args.accessLogBucket, targetPrefix: `${name}/` },
        parent,
      );
    }
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [...(args.lifecycleRules ?? []), noncurrentExpiryRule(args.noncurrentVersionExpiryDays ?? 90)],
      },
      parent,
    );
    if (args.eventBridge)
      new aws.s3.BucketNotification(`${name}-events`, { bucket, eventbridge: true }, parent);
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
