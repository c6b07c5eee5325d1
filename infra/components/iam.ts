// Pure IAM document builders over resolved ARNs (components call them inside `pulumi.all(...).apply`):
// every role in the platform is assembled from these, so tests and the policy pack see one shape.

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[] | string;
  Condition?: Record<string, Record<string, unknown>>;
}

export const policyDocument = (statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });

export const assumeRolePolicy = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

/**
 * Object-level access under prefixes of one bucket, plus listing them: never `s3:*`. Prefixes come from
 * the platform contract's key functions (the same ones the writers call), never spelled here.
 */
export function bucketAccess(
  sid: string,
  bucketArn: string,
  access: 'read' | 'write' | 'readwrite',
  prefixes: string | readonly string[] = '',
): Statement[] {
  const read = ['s3:GetObject', 's3:GetObjectVersion'];
  const write = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
  const actions = access === 'read' ? read : access === 'write' ? write : [...read, ...write];
  const under = (typeof prefixes === 'string' ? [prefixes] : [...prefixes]).filter((p) => p !== '');
  const whole = under.length === 0;
  return [
    {
      Sid: `${sid}Objects`,
      Effect: 'Allow',
      Action: actions,
      Resource: whole ? [`${bucketArn}/*`] : under.map((p) => `${bucketArn}/${p}*`),
    },
    {
      Sid: `${sid}List`,
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      ...(whole ? {} : { Condition: { StringLike: { 's3:prefix': under.map((p) => `${p}*`) } } }),
    },
  ];
}

export const kmsUse = (keyArn: string): Statement => ({
  Sid: 'LakeKey',
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
  Resource: [keyArn],
});

export const logsWrite = (logGroupArn: string): Statement => ({
  Sid: 'Logs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [`${logGroupArn}:*`],
});

export const secretRead = (sid: string, secretArns: string[]): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['secretsmanager:GetSecretValue'],
  Resource: secretArns,
});

/** Glue Data Catalog access to one database and its tables (IAM wants the catalog named as well). */
export const glueCatalogAccess = (
  sid: string,
  region: string,
  accountId: string,
  database: string,
  actions: string[],
): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: actions,
  Resource: [
    `arn:aws:glue:${region}:${accountId}:catalog`,
    `arn:aws:glue:${region}:${accountId}:database/${database}`,
    `arn:aws:glue:${region}:${accountId}:table/${database}/*`,
  ],
});

/** Running queries in one Athena workgroup (its enforced settings and scan cutoff then apply). */
export const athenaQueries = (workGroupArn: string, extraActions: string[] = []): Statement => ({
  Sid: 'Athena',
  Effect: 'Allow',
  Action: [
    'athena:StartQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
    'athena:GetWorkGroup',
    ...extraActions,
  ],
  Resource: [workGroupArn],
});
