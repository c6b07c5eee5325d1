import * as pulumi from '@pulumi/pulumi';
import { NEWS_DELIVERY, STREAM_DELIVERIES } from '@finlake/platform';

export type Env = 'dev' | 'staging' | 'prod';

/** A stream's provisioned shards (0: on-demand), retention, and the symbols its producer polls. */
export interface StreamSettings {
  shards: number;
  retentionHours: number;
  symbols: string;
}

const validStream = (v: StreamSettings) =>
  Number.isInteger(v.shards) &&
  v.shards >= 0 &&
  v.shards <= 100 &&
  v.retentionHours >= 24 &&
  v.retentionHours <= 8760 &&
  /^[A-Z0-9.^-]+(,[A-Z0-9.^-]+)*$/.test(v.symbols);
const STREAM_EXPECTED =
  'an object with shards (0 for on-demand, up to 100), retentionHours (24-8760), symbols (AAPL,MSFT,...)';

/** A stack's settings (`finlake:*` in Pulumi.<stack>.yaml), checked once with every problem named. */
export interface StackConfig {
  env: Env;
  region: string;
  costCenter: string;
  imageTag: string;
  vpcCidr: string;
  availabilityZones: string[];
  natGateways: 'single' | 'perAz';
  rds: {
    instanceClass: string;
    allocatedStorage: number;
    multiAz: boolean;
    deletionProtection: boolean;
    backupRetentionDays: number;
  };
  prefect: { cpu: number; memory: number; image: string };
  connector: { cpu: number; memory: number; rateLimitPerMinute: number };
  dbt: { cpu: number; memory: number };
  glue: { workerType: string; numberOfWorkers: number; timeoutMinutes: number };
  /** The news stream: provisioned shards (0: on-demand), retention, the symbols the producer polls. */
  news: StreamSettings;
  /**
   * A source generated with `--kind stream`, by silver table: its own stream settings (optional; without an
   * entry it takes news').
   */
  streams: Record<string, StreamSettings>;
  athenaBytesScannedCutoff: number;
  domainName: string;
  hostedZoneId: string;
  jwtIssuer: string;
  jwksUrl: string;
  apiThrottle: { rateLimit: number; burstLimit: number };
  logRetentionDays: number;
  /** Hours gold may go without a publish before the freshness alarm pages (default 100: a long weekend). */
  freshnessSlaHours: number;
  /** Lake Formation admins besides the deployer (IAM role or user ARNs); optional. */
  lakeFormationAdmins: string[];
  fmpApiKey?: pulumi.Output<string>;
  slackWebhookUrl?: pulumi.Output<string>;
}

export function loadStackConfig(
  cfg = new pulumi.Config('finlake'),
  awsCfg = new pulumi.Config('aws'),
): StackConfig {
  const problems: string[] = [];
  const need = <T>(key: string, read: () => T | undefined, check: (v: T) => boolean, expected: string): T => {
    let v: T | undefined;
    try {
      v = read();
    } catch (err) {
      problems.push(`finlake:${key}: ${(err as Error).message.split('\n')[0]}`);
      return undefined as T;
    }
    if (v === undefined) problems.push(`finlake:${key}: missing; expected ${expected}`);
    else if (!check(v)) problems.push(`finlake:${key}: ${JSON.stringify(v)} is not ${expected}`);
    return v as T;
  };
  const int = (key: string, min: number, max: number) =>
    need(
      key,
      () => cfg.getNumber(key),
      (n) => Number.isInteger(n) && n >= min && n <= max,
      `an integer from ${min} to ${max}`,
    );
  const obj = <T>(key: string) => cfg.getObject<T>(key);

  const env = need(
    'env',
    () => cfg.get('env') as Env | undefined,
    (v) => ['dev', 'staging', 'prod'].includes(v),
    'dev, staging or prod',
  );
  const azs = need(
    'availabilityZones',
    () => obj<string[]>('availabilityZones'),
    (v) => Array.isArray(v) && v.length >= 2 && v.length <= 3,
    'a list of 2 or 3 AZ names',
  );
  const rds = need(
    'rds',
    () => obj<StackConfig['rds']>('rds'),
    (v) => typeof v.instanceClass === 'string' && /^db\./.test(v.instanceClass),
    'an object with instanceClass (db.*), allocatedStorage, multiAz, deletionProtection, backupRetentionDays',
  );
  const config: StackConfig = {
    env,
    region: need(
      'aws:region',
      () => awsCfg.get('region'),
      (v) => /^[a-z]{2}-[a-z]+-\d$/.test(v),
      'an AWS region',
    ),
    costCenter: need(
      'costCenter',
      () => cfg.get('costCenter'),
      (v) => v.length > 0,
      'a cost center',
    ),
    imageTag: need(
      'imageTag',
      () => cfg.get('imageTag'),
      (v) => /^[A-Za-z0-9_.-]{1,128}$/.test(v) && v !== 'latest',
      'an immutable image tag (the commit SHA; `latest` is refused)',
    ),
    vpcCidr: need(
      'vpcCidr',
      () => cfg.get('vpcCidr'),
      (v) => /^\d+\.\d+\.0\.0\/16$/.test(v),
      'a /16 CIDR',
    ),
    availabilityZones: azs,
    natGateways: need(
      'natGateways',
      () => cfg.get('natGateways') as StackConfig['natGateways'],
      (v) => v === 'single' || v === 'perAz',
      'single or perAz',
    ),
    rds,
    prefect: need(
      'prefect',
      () => obj<StackConfig['prefect']>('prefect'),
      (v) => v.cpu > 0 && v.memory > 0 && /:[0-9]/.test(v.image),
      'an object with cpu, memory and a pinned image',
    ),
    connector: need(
      'connector',
      () => obj<StackConfig['connector']>('connector'),
      (v) => v.rateLimitPerMinute >= 1 && v.rateLimitPerMinute <= 3000,
      'an object with cpu, memory, rateLimitPerMinute (1-3000)',
    ),
    dbt: need(
      'dbt',
      () => obj<StackConfig['dbt']>('dbt'),
      (v) => v.cpu > 0 && v.memory > 0,
      'an object with cpu and memory',
    ),
    glue: need(
      'glue',
      () => obj<StackConfig['glue']>('glue'),
      (v) => ['G.1X', 'G.2X', 'G.4X'].includes(v.workerType) && v.numberOfWorkers >= 2,
      'an object with workerType (G.1X/G.2X/G.4X), numberOfWorkers >= 2, timeoutMinutes',
    ),
    news: need('news', () => obj<StackConfig['news']>('news'), validStream, STREAM_EXPECTED),
    streams: (() => {
      const v = obj<Record<string, StreamSettings>>('streams') ?? {};
      const generated = STREAM_DELIVERIES.filter((d) => d !== NEWS_DELIVERY).map(
        (d) => d.dataset.silverTable,
      );
      for (const [table, settings] of Object.entries(v)) {
        if (!generated.includes(table))
          problems.push(
            `finlake:streams: ${table} is not a generated streamed source (${generated.join(', ') || 'none declared'}); news is finlake:news`,
          );
        else if (!settings || typeof settings !== 'object' || !validStream(settings))
          problems.push(`finlake:streams.${table}: ${JSON.stringify(settings)} is not ${STREAM_EXPECTED}`);
      }
      return v;
    })(),
    athenaBytesScannedCutoff: int('athenaBytesScannedCutoff', 10_000_000, 10_000_000_000_000),
    domainName: need(
      'domainName',
      () => cfg.get('domainName'),
      (v) => /^[a-z0-9.-]+\.[a-z]{2,}$/.test(v),
      'a DNS name',
    ),
    hostedZoneId: need(
      'hostedZoneId',
      () => cfg.get('hostedZoneId'),
      (v) => /^Z[A-Z0-9]+$/.test(v),
      'a Route 53 hosted zone id',
    ),
    jwtIssuer: need(
      'jwtIssuer',
      () => cfg.get('jwtIssuer'),
      (v) => /^https:\/\//.test(v),
      'the IdP issuer https URL',
    ),
    jwksUrl: need(
      'jwksUrl',
      () => cfg.get('jwksUrl'),
      (v) => /^https:\/\//.test(v),
      "the IdP's JWKS https URL",
    ),
    apiThrottle: need(
      'apiThrottle',
      () => obj<StackConfig['apiThrottle']>('apiThrottle'),
      (v) => v.rateLimit > 0 && v.burstLimit >= v.rateLimit,
      'an object with rateLimit and burstLimit >= rateLimit',
    ),
    logRetentionDays: int('logRetentionDays', 1, 3653),
    // An alarm evaluates at most 7 days of hourly periods: 1-168 hours.
    freshnessSlaHours: (() => {
      const v = cfg.getNumber('freshnessSlaHours') ?? 100;
      if (!Number.isInteger(v) || v < 1 || v > 168)
        problems.push(`finlake:freshnessSlaHours: ${v} is not an integer from 1 to 168 (hours; default 100)`);
      return v;
    })(),
    lakeFormationAdmins: (() => {
      const v = obj<string[]>('lakeFormationAdmins') ?? [];
      const bad = Array.isArray(v)
        ? v.filter((a) => !/^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(String(a)))
        : [v];
      if (bad.length)
        problems.push(
          `finlake:lakeFormationAdmins: ${JSON.stringify(bad)} not IAM role or user ARNs (arn:aws:iam::<account>:role/<name>)`,
        );
      return Array.isArray(v) ? v : [];
    })(),
    fmpApiKey: cfg.getSecret('fmpApiKey'),
    slackWebhookUrl: cfg.getSecret('slackWebhookUrl'),
  };
  if (env === 'prod' && rds && (!rds.multiAz || !rds.deletionProtection))
    problems.push('finlake:rds: prod needs multiAz: true and deletionProtection: true');
  if (env === 'prod' && config.natGateways !== 'perAz')
    problems.push('finlake:natGateways: prod needs perAz');
  if (problems.length) throw new Error(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
