import { NEWS_DELIVERY, STREAM_DELIVERIES } from '@finlake/platform';
import * as pulumi from '@pulumi/pulumi';
import { columnsOf, fmpEodPrices, fmpEodPricesRejects } from '@finlake/schemas';
import { loadStackConfig } from '../config.ts';
import { bronzeLifecycleRules } from '../components/data-lake.ts';
import { ecrLifecyclePolicy } from '../components/ecr.ts';
import { glueTableArgs } from '../components/catalog.ts';
import { bucketAccess } from '../components/iam.ts';
import { tlsOnlyPolicy } from '../components/secure-bucket.ts';
import { natGatewayCount, subnetCidrs } from '../components/vpc.ts';
import { stackConfig } from './harness.ts';

describe('pure helpers of the components', () => {
  it('carves non-overlapping public and private /20s per AZ from the /16', () => {
    const c = subnetCidrs('10.30.0.0/16', 3);
    expect(c).toEqual({
      public: ['10.30.0.0/20', '10.30.16.0/20', '10.30.32.0/20'],
      private: ['10.30.128.0/20', '10.30.144.0/20', '10.30.160.0/20'],
    });
    expect(() => subnetCidrs('10.30.0.0/24', 2)).toThrow(/\/16/);
    expect(() => subnetCidrs('10.30.0.0/16', 1)).toThrow(/2 to 6/);
    expect(natGatewayCount('single', 3)).toBe(1);
    expect(natGatewayCount('perAz', 3)).toBe(3);
  });

  it('builds least-privilege bucket statements (never s3:*), scoped to a prefix when given', () => {
    const [objects, list] = bucketAccess('Bronze', 'arn:aws:s3:::b', 'write', 'fmp/');
    expect(objects!.Action).toEqual(['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']);
    expect(objects!.Resource).toEqual(['arn:aws:s3:::b/fmp/*']);
    expect(list!.Condition).toEqual({ StringLike: { 's3:prefix': ['fmp/*'] } });
    expect(bucketAccess('X', 'arn:aws:s3:::b', 'readwrite').flatMap((s) => s.Action)).not.toContain('s3:*');
  });

  it('denies plain-HTTP access in every bucket policy', () => {
    const p = JSON.parse(tlsOnlyPolicy('arn:aws:s3:::b'));
    expect(p.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(p.Statement[0].Resource).toEqual(['arn:aws:s3:::b', 'arn:aws:s3:::b/*']);
  });

  it('tiers bronze to IA then Glacier IR and refuses an impossible order', () => {
    expect(bronzeLifecycleRules(30, 180)[0]!.transitions).toEqual([
      { days: 30, storageClass: 'STANDARD_IA' },
      { days: 180, storageClass: 'GLACIER_IR' },
    ]);
    expect(() => bronzeLifecycleRules(10, 180)).toThrow(/>= 30/);
    expect(() => bronzeLifecycleRules(60, 30)).toThrow();
  });

  it('keeps ECR images bounded: untagged after 7 days, at most N tagged', () => {
    const rules = JSON.parse(ecrLifecyclePolicy(30)).rules;
    expect(rules.map((r: { selection: { tagStatus: string } }) => r.selection.tagStatus)).toEqual([
      'untagged',
      'any',
    ]);
    expect(rules[1].selection.countNumber).toBe(30);
  });

  it('generates Glue tables from the contracts, with partition projection', () => {
    const silver = glueTableArgs(fmpEodPrices, 's3://silver/fmp_eod_prices/');
    expect(silver.partitionKeys).toEqual([
      { name: 'year', type: 'int', comment: expect.any(String) },
      { name: 'month', type: 'int', comment: expect.any(String) },
    ]);
    const cols = (silver.storageDescriptor as { columns: { name: string; type: string }[] }).columns;
    expect(cols.find((c) => c.name === 'trade_date')!.type).toBe('date');
    expect(cols.find((c) => c.name === 'volume')!.type).toBe('bigint');
    expect(cols).toHaveLength(columnsOf(fmpEodPrices).length);
    expect(silver.parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.month.range': '1,12',
    });
    expect(glueTableArgs(fmpEodPricesRejects, 's3://x/').parameters).toMatchObject({
      'projection.run_id.type': 'injected',
    });
  });
});

describe('stack configuration', () => {
  const load = (overrides: Record<string, string>, drop: string[] = []) => {
    const cfg = { ...stackConfig('prod'), ...overrides };
    for (const k of drop) delete cfg[k];
    pulumi.runtime.setAllConfig(cfg);
    return () => loadStackConfig();
  };

  it('loads each committed stack file', () => {
    for (const stack of ['dev', 'staging', 'prod']) {
      pulumi.runtime.setAllConfig(stackConfig(stack));
      expect(loadStackConfig().env).toBe(stack);
    }
  });

  it('names every bad or missing setting at once, and holds prod to its guarantees', () => {
    const run = load(
      {
        'finlake:imageTag': 'latest',
        'finlake:natGateways': 'single',
        'finlake:rds': JSON.stringify({
          instanceClass: 'db.m7g.large',
          allocatedStorage: 20,
          multiAz: false,
          deletionProtection: true,
          backupRetentionDays: 30,
        }),
      },
      ['finlake:hostedZoneId'],
    );
    let message = '';
    try {
      run();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/finlake:imageTag: "latest" is not an immutable image tag/);
    expect(message).toMatch(/finlake:hostedZoneId: missing/);
    expect(message).toMatch(/prod needs multiAz: true/);
    expect(message).toMatch(/prod needs perAz/);
  });

  it('refuses Lake Formation admins that are not IAM ARNs and a freshness SLA an alarm cannot evaluate', () => {
    const run = load({
      'finlake:lakeFormationAdmins': JSON.stringify(['arn:aws:iam::123456789012:role/ok', 'alice']),
      'finlake:freshnessSlaHours': '200',
    });
    expect(run).toThrow(/finlake:lakeFormationAdmins: \["alice"\] not IAM role or user ARNs/);
    expect(run).toThrow(/finlake:freshnessSlaHours: 200 is not an integer from 1 to 168/);
  });

  it('takes stream settings only for a generated streamed source, and only valid ones', () => {
    const generated = STREAM_DELIVERIES.filter((d) => d !== NEWS_DELIVERY).map((d) => d.dataset.silverTable);
    const good = { shards: 0, retentionHours: 48, symbols: 'AAPL' };
    const run = load({
      'finlake:streams': JSON.stringify({
        fmp_news: good,
        ...(generated[0] ? { [generated[0]]: { ...good, symbols: 'aapl' } } : {}),
      }),
    });
    // News has its own key; a generated stream (the generator's e2e copy has one) its own valid settings.
    expect(run).toThrow(
      /finlake:streams: fmp_news is not a generated streamed source \(.*\); news is finlake:news/,
    );
    if (generated[0])
      expect(run).toThrow(new RegExp(`finlake:streams\\.${generated[0]}: .* is not an object with shards`));
    expect(load({})().streams).toEqual({});
  });
});
