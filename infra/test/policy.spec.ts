import { RULES, type PolicyResource } from '../policy/rules.ts';

const rule = (name: string) => RULES.find((r) => r.name === name)!;
let n = 0;
const res = (
  type: string,
  props: Record<string, unknown>,
  extra: Partial<PolicyResource> = {},
): PolicyResource => {
  const name = `r${n++}`;
  return { type, name, urn: `urn:pulumi:test::finlake::${type}::${name}`, props, ...extra };
};
const hardened = (bucket: string, parts = ['sse', 'versioning', 'public', 'logging']) => [
  res('aws:s3/bucket:Bucket', { bucket, tags: {} }),
  ...(parts.includes('sse')
    ? [
        res('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', {
          bucket,
          rules: [{}],
        }),
      ]
    : []),
  ...(parts.includes('versioning')
    ? [
        res('aws:s3/bucketVersioning:BucketVersioning', {
          bucket,
          versioningConfiguration: { status: 'Enabled' },
        }),
      ]
    : []),
  ...(parts.includes('public')
    ? [
        res('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', {
          bucket,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        }),
      ]
    : []),
  ...(parts.includes('logging')
    ? [res('aws:s3/bucketLogging:BucketLogging', { bucket, targetBucket: 'logs' })]
    : []),
];

describe('policy pack rules catch what they forbid', () => {
  it('a bucket missing encryption, versioning, the public access block or logging', () => {
    const r = rule('s3-buckets-hardened');
    expect(r.check(hardened('ok'))).toEqual([]);
    for (const missing of ['sse', 'versioning', 'public', 'logging']) {
      const v = r.check(
        hardened(
          'b',
          ['sse', 'versioning', 'public', 'logging'].filter((p) => p !== missing),
        ),
      );
      expect(v, missing).toHaveLength(1);
    }
    const suspended = hardened('s').map((x) =>
      x.type.endsWith('BucketVersioning')
        ? { ...x, props: { ...x.props, versioningConfiguration: { status: 'Suspended' } } }
        : x,
    );
    expect(r.check(suspended)[0]!.message).toMatch(/versioning/);
    // The access-log bucket itself is exempt from logging only.
    const logs = hardened('logs', ['sse', 'versioning', 'public']);
    logs[0]!.props.tags = { 'finlake:role': 'access-logs' };
    expect(r.check(logs)).toEqual([]);
  });

  it('an IAM statement with `*` or `s3:*` on a data bucket or on everything', () => {
    const r = rule('iam-no-wildcard-actions-on-data-buckets');
    const pol = (Action: string[], Resource: string[]) =>
      res('aws:iam/rolePolicy:RolePolicy', {
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] }),
      });
    const bronze = hardened('finlake-bronze');
    expect(r.check([...bronze, pol(['s3:*'], ['arn:aws:s3:::finlake-bronze/*'])])).toHaveLength(1);
    expect(r.check([...bronze, pol(['*'], ['*'])])).toHaveLength(1);
    expect(r.check([...bronze, pol(['s3:GetObject'], ['arn:aws:s3:::finlake-bronze/*'])])).toEqual([]);
    expect(r.check([...bronze, pol(['ecs:*'], ['arn:aws:ecs:us-east-1:1:cluster/x'])])).toEqual([]);
  });

  it('a prod database without Multi-AZ or deletion protection (dev may go without)', () => {
    const r = rule('rds-prod-multi-az-protected');
    const db = (env: string, multiAz: boolean, deletionProtection: boolean) =>
      res('aws:rds/instance:Instance', {
        storageEncrypted: true,
        publiclyAccessible: false,
        multiAz,
        deletionProtection,
        tags: { env },
      });
    expect(r.check([db('prod', false, true)])[0]!.message).toMatch(/Multi-AZ/);
    expect(r.check([db('prod', true, false)])[0]!.message).toMatch(/deletion protection/);
    expect(r.check([db('prod', true, true), db('dev', false, false)])).toEqual([]);
    expect(
      r.check([res('aws:rds/instance:Instance', { storageEncrypted: false, tags: { env: 'dev' } })]),
    ).toHaveLength(1);
  });

  it('a plain HTTP listener that does not redirect to HTTPS', () => {
    const r = rule('alb-listeners-https');
    expect(
      r.check([res('aws:lb/listener:Listener', { protocol: 'HTTP', defaultActions: [{ type: 'forward' }] })]),
    ).toHaveLength(1);
    expect(
      r.check([
        res('aws:lb/listener:Listener', {
          protocol: 'HTTP',
          defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS' } }],
        }),
        res('aws:lb/listener:Listener', { protocol: 'HTTPS', defaultActions: [{ type: 'forward' }] }),
      ]),
    ).toEqual([]);
  });

  it('internet ingress anywhere but the load balancer`s group on 443/80', () => {
    const r = rule('sg-no-open-ingress');
    const open = (port: number) => ({
      protocol: 'tcp',
      fromPort: port,
      toPort: port,
      cidrBlocks: ['0.0.0.0/0'],
    });
    const albSg = res(
      'aws:ec2/securityGroup:SecurityGroup',
      { ingress: [open(443), open(80)] },
      { id: 'sg-alb' },
    );
    const lb = res('aws:lb/loadBalancer:LoadBalancer', { securityGroups: ['sg-alb'] });
    expect(r.check([albSg, lb])).toEqual([]);
    // The same group without a load balancer, or the ALB group opening SSH: caught.
    expect(r.check([albSg])).toHaveLength(2);
    const ssh = res(
      'aws:ec2/securityGroup:SecurityGroup',
      { ingress: [open(443), open(22)] },
      { id: 'sg-alb' },
    );
    expect(r.check([ssh, lb])[0]!.message).toMatch(/22-22/);
    // Matched through the engine's property dependencies (URNs) too.
    const byUrn = res(
      'aws:lb/loadBalancer:LoadBalancer',
      { securityGroups: [] },
      { propertyDependencies: { securityGroups: [albSg.urn] } },
    );
    expect(r.check([{ ...albSg, id: undefined }, byUrn])).toEqual([]);
    expect(
      r.check([
        res('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', {
          cidrIpv4: '0.0.0.0/0',
          fromPort: 5432,
          toPort: 5432,
        }),
      ]),
    ).toHaveLength(1);
  });
});
