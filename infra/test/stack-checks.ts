import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACTS,
  FMP_EOD_PRICES,
  GOLD_MARTS,
  GOVERNANCE,
  DEPLOYMENTS,
  METRICS,
  METRICS_NAMESPACE,
  EMF_METRICS,
  analystRoleName,
  emfSelect,
  fill,
  manifestKey,
  silverRunSummaryKey,
  LAKE_LAYOUT,
  NEWS_DELIVERY,
  SECRETS,
  SOURCE_DATASETS,
  STREAM_DELIVERIES,
  SERVICES,
  glueDatabase,
  FMP_NEWS,
  secretNameOf,
  staticPrefix,
  type SecretId,
} from '@finlake/platform';
import { columnsOf, DATASETS, fmpEodPrices } from '@finlake/schemas';
import type { Statement } from '../components/iam.ts';
import { deniedKeys, isAllowed } from '../components/seams.ts';
// Modules that import @pulumi/aws load only after the mocks are set (it reads the config on import).
const seamChecks = () => import('../components/seam-checks.ts');
import { goldColumnAccess, goldColumnTags, RULES } from '../policy/rules.ts';
import { ACCOUNT, ofType, parseJson, runUnderMocks, stackConfig, type Recorded } from './harness.ts';

export interface StackExpectations {
  azs: number;
  natGateways: number;
  rds: { instanceClass: string; multiAz: boolean; deletionProtection: boolean };
  glueWorkers: number;
}

const REPO = join(import.meta.dirname, '..', '..');
interface Transformation {
  name: string;
  namespace: string;
  value: string;
  dimensions: Record<string, string>;
}

const TAGGED =
  /^aws:(s3\/bucket:Bucket|ec2\/(vpc|subnet|securityGroup|natGateway|eip):|rds\/instance|ecs\/(cluster|service|taskDefinition):|lambda\/function|ecr\/repository|kms\/key|iam\/role:|glue\/job|cloudwatch\/logGroup|secretsmanager\/secret:|athena\/workgroup|lb\/loadBalancer|apigateway\/(restApi|stage):)/;

/** The whole program for one stack, under mocks: what differs between stacks, and what never may. */
export function describeStack(stack: 'dev' | 'staging' | 'prod', expected: StackExpectations) {
  let resources: Recorded[];
  let outputs: Record<string, unknown>;
  let calls: string[];

  beforeAll(async () => {
    ({ resources, outputs, calls } = await runUnderMocks(
      stack,
      () => import('../index.ts'),
      stackConfig(stack, { 'finlake:fmpApiKey': 'fmp-test-key' }),
      ['finlake:fmpApiKey'],
    ));
  }, 120_000);

  it('builds every component and exports the endpoints the deploy needs', () => {
    const components = new Set(resources.filter((r) => r.type.startsWith('finlake:')).map((r) => r.type));
    for (const c of [
      'Vpc',
      'Security',
      'Secrets',
      'DataLake',
      'Ecr',
      'PrefectDatabase',
      'HttpsLoadBalancer',
      'PrefectServer',
      'PrefectWorker',
      'Cluster',
      'FargateJob',
      'GlueJob',
      'FlowRuns',
      'BronzeTrigger',
      'ServingApi',
      'NewsStream',
      'LakeGovernance',
    ])
      expect(
        [...components].some((t) => t.endsWith(`:${c}`)),
        c,
      ).toBe(true);
    expect(outputs.apiUrl).toMatch(new RegExp(`^https://.+/${stack}$`));
    expect(outputs.goldTable).toBe(`${glueDatabase(stack, 'gold')}.${GOLD_MARTS[0]}`);
    expect(outputs.prefectApiUrl).toBe(`https://prefect.${stack}.finlake.example.com/api`);
    // The strict call mock throws on anything else: the program makes no other provider calls.
    expect(new Set(calls)).toEqual(
      new Set([
        'aws:index/getCallerIdentity:getCallerIdentity',
        'aws:iam/getSessionContext:getSessionContext',
      ]),
    );
  });

  it(`spreads over ${expected.azs} AZs with ${expected.natGateways} NAT gateway(s)`, () => {
    const subnets = ofType(resources, 'aws:ec2/subnet:Subnet');
    expect(subnets).toHaveLength(expected.azs * 2);
    expect(new Set(subnets.map((s) => s.inputs.availabilityZone)).size).toBe(expected.azs);
    expect(ofType(resources, 'aws:ec2/natGateway:NatGateway')).toHaveLength(expected.natGateways);
    const endpoints = ofType(resources, 'aws:ec2/vpcEndpoint:VpcEndpoint').map((e) =>
      String(e.inputs.serviceName).split('.').slice(3).join('.'),
    );
    expect(endpoints.sort()).toEqual(['ecr.api', 'ecr.dkr', 'glue', 'logs', 's3', 'secretsmanager', 'sts']);
    expect(ofType(resources, 'aws:ec2/flowLog:FlowLog')).toHaveLength(1);
    // Each private subnet leaves through a NAT gateway; per AZ, its own AZ's (no cross-AZ dependency).
    const natOf = ofType(resources, 'aws:ec2/routeTable:RouteTable')
      .filter((rt) => rt.name.includes('-private-'))
      .map((rt) => (rt.inputs.routes as { natGatewayId?: string }[])[0]!.natGatewayId);
    expect(natOf).toHaveLength(expected.azs);
    expect(new Set(natOf).size).toBe(expected.natGateways);
    if (expected.natGateways > 1)
      expect(natOf).toEqual(natOf.map((_, i) => `finlake-${stack}-vpc-nat-${i}-id`));
  });

  it('sizes the Prefect database for the stage', () => {
    const [db] = ofType(resources, 'aws:rds/instance:Instance');
    expect(db!.inputs).toMatchObject({
      ...expected.rds,
      storageEncrypted: true,
      publiclyAccessible: false,
      engine: 'postgres',
    });
    expect(ofType(resources, 'aws:glue/job:Job')).toHaveLength(1);
    expect(ofType(resources, 'aws:glue/job:Job')[0]!.inputs).toMatchObject({
      glueVersion: '5.0',
      numberOfWorkers: expected.glueWorkers,
    });
  });

  it('passes every rule of the policy pack', () => {
    for (const rule of RULES) expect(rule.check(resources), rule.name).toEqual([]);
  });

  it('tags everything with project, env, service and cost-center', () => {
    const taggable = resources.filter((r) => TAGGED.test(r.type));
    expect(taggable.length).toBeGreaterThan(50);
    for (const r of taggable)
      expect(r.inputs.tags, `${r.type} ${r.name}`).toMatchObject({
        project: 'finlake',
        env: stack,
        'cost-center': 'data-platform',
        service: expect.any(String),
      });
  });

  it('names secrets /{env}/{service}/{name} and stores the configured value, never in plain config', () => {
    const names = ofType(resources, 'aws:secretsmanager/secret:Secret')
      .map((s) => s.inputs.name)
      .sort();
    // Exactly the contract's secrets: what infra creates is what every service reads.
    expect(names).toEqual((Object.keys(SECRETS) as SecretId[]).map((id) => secretNameOf(stack, id)).sort());
    const yaml = readFileSync(join(import.meta.dirname, '..', `Pulumi.${stack}.yaml`), 'utf8');
    for (const key of ['fmpApiKey', 'slackWebhookUrl', 'password', 'token'])
      expect(yaml.match(new RegExp(`^\\s*finlake:${key}:\\s*(?!\\n|$)(?!.*secure:)`, 'm')), key).toBeNull();
    // The database URL and the API auth string are generated, not from config; the FMP key is configured.
    expect(ofType(resources, 'aws:secretsmanager/secretVersion:SecretVersion')).toHaveLength(3);
  });

  it('runs images by the deploy`s immutable tag, and the Glue job with its argument contract', () => {
    for (const td of ofType(resources, 'aws:ecs/taskDefinition:TaskDefinition')) {
      const [container] = parseJson<{ image: string }[]>(td.inputs.containerDefinitions);
      expect(container!.image, td.name).toMatch(/:(0123abc|3\.\d+\.\d+-python3\.11)$/);
    }
    const job = ofType(resources, 'aws:glue/job:Job')[0]!;
    expect(Object.keys(job.inputs.defaultArguments as object)).toEqual(
      expect.arrayContaining(['--dataset', '--bronze_uri', '--silver_uri', '--extra-py-files', '--mode']),
    );
    const table = ofType(resources, 'aws:glue/catalogTable:CatalogTable').find(
      (t) => t.inputs.name === 'fmp_eod_prices',
    )!;
    const cols = (table.inputs.storageDescriptor as { columns: { name: string }[] }).columns.map(
      (c) => c.name,
    );
    expect(cols).toEqual(
      columnsOf(fmpEodPrices)
        .map((c) => c.name)
        .filter((c) => c !== 'year' && c !== 'month'),
    );
  });

  it('grants gold columns by their contract sensitivity: the API all, analysts public ones, nobody else', () => {
    const gold = glueDatabase(stack, 'gold');
    const tags = goldColumnTags(resources);
    // Every stored column of every served mart is tagged with what its contract says.
    const contract = new Map<string, string>();
    for (const mart of GOLD_MARTS) {
      const d = DATASETS.find((x) => x.zone === 'gold' && x.name === mart)!;
      for (const c of columnsOf(d).filter((c) => !d.partitionBy.some((p) => p.name === c.name)))
        contract.set(`${gold}.${mart}.${c.name}`, c.sensitivity!);
    }
    expect(Object.fromEntries(tags)).toEqual(Object.fromEntries(contract));
    expect([...contract.values()]).toContain('restricted');
    const arnOf = (roleName: string) => {
      const r = resources.find((x) => x.type === 'aws:iam/role:Role' && x.name === roleName);
      expect(r, roleName).toBeDefined();
      return String(r!.props.arn);
    };
    const access = goldColumnAccess(resources);
    const api = arnOf(`finlake-${stack}-serving-api`);
    const analyst = arnOf(analystRoleName(stack));
    expect([...(access.get(api) ?? [])].sort()).toEqual([...contract.keys()].sort());
    expect([...(access.get(analyst) ?? [])].sort()).toEqual(
      [...contract]
        .filter(([, s]) => s === 'public')
        .map(([c]) => c)
        .sort(),
    );
    // dbt and the publisher alter gold but never read it through a grant; no one else is granted gold.
    expect([...access.keys()].sort()).toEqual([api, analyst].sort());
    // No default super grant: new databases and tables get no IAMAllowedPrincipals permission.
    const [settings] = ofType(resources, 'aws:lakeformation/dataLakeSettings:DataLakeSettings');
    expect(settings!.inputs.createTableDefaultPermissions).toEqual([]);
    expect(settings!.inputs.createDatabaseDefaultPermissions).toEqual([]);
    // The settings replace the whole admin list: the deployer is always in it.
    expect(settings!.inputs.admins).toContain(`arn:aws:iam::${ACCOUNT}:user/ci`);
    const [tag] = ofType(resources, 'aws:lakeformation/lfTag:LfTag');
    expect(tag!.inputs).toMatchObject({ key: GOVERNANCE.lfTagKey, values: ['public', 'restricted'] });
    // Gold and silver registered in hybrid mode, through a role, not the service-linked one.
    const locations = ofType(resources, 'aws:lakeformation/resource:Resource');
    expect(locations.map((l) => l.inputs.hybridAccessEnabled)).toEqual([true, true]);
  });

  it('refuses, by policy, a gold column without a tag and a restricted grant to analysts', () => {
    const rule = (name: string) => RULES.find((r) => r.name === name)!;
    const props = (r: Recorded) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props });
    const all = resources.map(props);
    expect(rule('gold-columns-lf-tagged').check(all)).toEqual([]);
    expect(rule('analyst-reads-public-gold-only').check(all)).toEqual([]);
    // Drop the restricted tagging: those columns are untagged, and the rule names them.
    const untagged = all.filter(
      (r) =>
        !(
          r.type === 'aws:lakeformation/resourceLfTags:ResourceLfTags' &&
          JSON.stringify(r.props.lfTags).includes('restricted')
        ),
    );
    expect(
      rule('gold-columns-lf-tagged')
        .check(untagged)
        .map((v) => v.message),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/gold column daily_portfolio_summary\.market_value has 0/),
      ]),
    );
    // Widen the analyst's grant to every value: every restricted column is reported.
    const widened = all.map((r) =>
      r.type === 'aws:lakeformation/permissions:Permissions' && r.name.endsWith('-analyst-tables')
        ? {
            ...r,
            props: {
              ...r.props,
              lfTagPolicy: {
                resourceType: 'TABLE',
                expressions: [{ key: GOVERNANCE.lfTagKey, values: ['public', 'restricted'] }],
              },
            },
          }
        : r,
    );
    expect(rule('analyst-reads-public-gold-only').check(widened).length).toBeGreaterThanOrEqual(3);
  });

  it('alarms on failed or crashed runs of every deployed flow, stale gold and API 5xx, to one topic', async () => {
    const { ALARMED_STATES } = await import('../components/observability.ts');
    const alarms = ofType(resources, 'aws:cloudwatch/metricAlarm:MetricAlarm');
    const topic = ofType(resources, 'aws:sns/topic:Topic').find((t) => t.name === `finlake-${stack}-alarms`)!;
    for (const a of alarms) expect(a.inputs.alarmActions, a.name).toEqual([topic.props.arn]);
    const dims = (a: Recorded) => a.inputs.dimensions as Record<string, string>;
    const flowAlarms = alarms.filter((a) => a.inputs.metricName === METRICS.flowRuns.name);
    const deployed = [...new Set(Object.values(DEPLOYMENTS).map((d) => d.flow))];
    expect(flowAlarms.map((a) => `${dims(a).flow} ${dims(a).state}`).sort()).toEqual(
      deployed.flatMap((f) => ALARMED_STATES.map((st) => `${f} ${st}`)).sort(),
    );
    const fresh = alarms.filter((a) => a.inputs.metricName === METRICS.freshness.name);
    expect(fresh.map((a) => dims(a).dataset).sort()).toEqual([...GOLD_MARTS].sort());
    // No report at all for the whole SLA is as stale as a stale report.
    for (const a of fresh) expect(a.inputs.treatMissingData).toBe('breaching');
    const api = ofType(resources, 'aws:apigateway/restApi:RestApi')[0]!;
    const fiveXx = alarms.find((a) => a.inputs.metricName === '5XXError')!;
    expect(fiveXx.inputs.dimensions).toEqual({ ApiName: api.inputs.name, Stage: stack });
  });

  it("turns the flows' real EMF lines into the platform's metrics on the flow runs' log group", () => {
    // The writer: the flows' own functions (finlake_flows.metrics), as a flow run on ECS prints them.
    const py = spawnSync(
      join(REPO, '.venv', 'bin', 'python'),
      [
        '-c',
        [
          'import json',
          'from finlake_flows import metrics',
          'r = {"flow": "master-fmp-pipeline", "run_id": "r", "stage_seconds": {"dbt": 2.5},',
          '     "rows": {"fmp_eod_prices": {"landed": 3, "written": 2, "rejected": 1}},',
          '     "gates": {"daily_portfolio_summary": True}, "newest": {"daily_portfolio_summary": 0}}',
          'lines = metrics.emf_lines(r) + [metrics.flow_run_emf("master-fmp-pipeline", "FAILED")]',
          'print(json.dumps(lines))',
        ].join('\n'),
      ],
      { encoding: 'utf8', cwd: REPO },
    );
    expect(py.status, py.stderr).toBe(0);
    const lines = JSON.parse(py.stdout) as Record<string, unknown>[];
    const emfFilters = ofType(resources, 'aws:cloudwatch/logMetricFilter:LogMetricFilter').filter((f) =>
      String(f.inputs.pattern).includes('_aws.CloudWatchMetrics'),
    );
    // The flows' filters read the log group the flow runs really log to (the work pool's awslogs group).
    const awslogsGroup = /"awslogs-group":"([^"]+)"/.exec(JSON.stringify(outputs.flowRunJobVariables))?.[1];
    const filters = emfFilters.filter((f) => f.inputs.logGroupName === awslogsGroup);
    // Each producer's (news, and each generated stream's) on its own log group, one per metric it writes
    // (its test feeds them its lines).
    const producerTasks = ofType(resources, 'aws:ecs/taskDefinition:TaskDefinition').filter((t) =>
      String(t.inputs.family).endsWith('-producer'),
    );
    expect(producerTasks).toHaveLength(STREAM_DELIVERIES.length);
    for (const task of producerTasks) {
      const group = /"awslogs-group":"([^"]+)"/.exec(String(task.inputs.containerDefinitions))?.[1];
      expect(
        emfFilters
          .filter((f) => f.inputs.logGroupName === group)
          .map((f) => (f.inputs.metricTransformation as Transformation).name)
          .sort(),
      ).toEqual(EMF_METRICS.newsProducer.map((id) => METRICS[id].name).sort());
    }
    expect(filters.length + EMF_METRICS.newsProducer.length * producerTasks.length).toBe(emfFilters.length);
    expect(awslogsGroup).toBeDefined();
    for (const f of filters) expect(f.inputs.logGroupName).toBe(awslogsGroup);
    const at = emfSelect;
    for (const line of lines) {
      // Exactly one filter matches each line (the pattern's equality on the metric's name).
      const matching = filters.filter((f) => {
        const m = /^\{ (\$\.[^ ]+) = "([^"]+)" \}$/.exec(String(f.inputs.pattern));
        expect(m, String(f.inputs.pattern)).not.toBeNull();
        return at(line, m![1]!) === m![2];
      });
      expect(matching, JSON.stringify(line).slice(0, 200)).toHaveLength(1);
      const t = matching[0]!.inputs.metricTransformation as Transformation;
      expect(typeof at(line, t.value), t.value).toBe('number');
      for (const [dim, sel] of Object.entries(t.dimensions as Record<string, string>))
        expect(typeof at(line, sel), `${t.name} dimension ${dim}`).toBe('string');
      expect(t.namespace).toBe(METRICS_NAMESPACE);
    }
    // Every flow metric the flows emit has its filter.
    const names = filters.map((f) => (f.inputs.metricTransformation as Transformation).name);
    expect(new Set(names).size).toBe(filters.length);
    expect(new Set(lines.map((l) => Object.keys(l).find((k) => k.startsWith('finlake_'))))).toEqual(
      new Set(names),
    );
  });

  it('gives each app only the access it needs', async () => {
    const { connectorKeys } = await seamChecks();
    const policyOf = (role: string) => {
      const p = resources.find((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name === role);
      expect(p, role).toBeDefined();
      return parseJson<{ Statement: { Action: string[]; Resource: string[] }[] }>(p!.inputs.policy).Statement;
    };
    const bucket = (zone: string) =>
      ofType(resources, 'aws:s3/bucket:Bucket').find((b) => b.name === `finlake-${stack}-lake-${zone}`)!.id!;
    const writes = (statements: { Action: string[]; Resource: string[] }[]) =>
      statements.filter((s) => s.Action.includes('s3:PutObject')).flatMap((s) => s.Resource);
    // The connector may write every key shape the contract's key functions produce, and reads one secret
    // (the real connector's keys against this policy: tools/workspace-checks/test/seams.spec.ts).
    const connector = policyOf(`finlake-${stack}-fmp-ingester-task`);
    const bronzeArn = `arn:aws:s3:::${bucket('bronze')}`;
    expect(deniedKeys(connector as Statement[], bronzeArn, 's3:PutObject', connectorKeys())).toEqual([]);
    expect(
      deniedKeys(connector as Statement[], bronzeArn, 's3:PutObject', ['other/x.json', 'x.json']),
    ).toHaveLength(2);
    expect(
      connector.filter((s) => s.Action.includes('secretsmanager:GetSecretValue')).flatMap((s) => s.Resource),
    ).toHaveLength(1);
    // Glue reads bronze and writes silver; dbt reads silver and writes gold; the API writes no zone.
    expect(writes(policyOf(`finlake-${stack}-glue-role`)).filter((r) => !r.includes('athena'))).toEqual([
      `arn:aws:s3:::${bucket('silver')}/*`,
    ]);
    // dbt writes only candidates (never the served location) and its run results.
    const dbtWrites = writes(policyOf(`finlake-${stack}-dbt-task`));
    expect(dbtWrites).toContain(
      `arn:aws:s3:::${bucket('gold')}/${staticPrefix(LAKE_LAYOUT.gold.candidate)}*`,
    );
    expect(dbtWrites.filter((r) => r.startsWith(`arn:aws:s3:::${bucket('gold')}/`))).toHaveLength(1);
    // Flow runs start the stages and read their reports (the worker only starts flow runs): finding 6.
    const flowRuns = policyOf(`finlake-${stack}-flow-runs-task`) as Statement[];
    const job = `arn:aws:glue:us-east-1:${ACCOUNT}:job/finlake-${stack}-bronze-to-silver`;
    expect(isAllowed(flowRuns, { action: 'glue:StartJobRun', resource: job })).toBe(true);
    // ... and the summary of every job run they start, whichever declared dataset it built (the key the
    // job writes: libs/platform's template, as finlake_glue fills it). The twin found the news one missing.
    const silverArn = `arn:aws:s3:::${bucket('silver')}`;
    const summaries = SOURCE_DATASETS.map((d) => silverRunSummaryKey(d.silverTable, 'run-1'));
    expect(summaries.length).toBeGreaterThan(1);
    expect(deniedKeys(flowRuns, silverArn, 's3:GetObject', summaries)).toEqual([]);
    expect(
      deniedKeys(flowRuns, silverArn, 's3:GetObject', ['fmp_news/session_date=2025-09-22/x.parquet']),
    ).toHaveLength(1);
    // The Glue job switches a streamed table's day partitions: their location is its pointer.
    const glueRole = policyOf(`finlake-${stack}-glue-role`) as Statement[];
    const newsTable = `arn:aws:glue:us-east-1:${ACCOUNT}:table/${glueDatabase(stack, 'silver')}/${FMP_NEWS.silverTable}`;
    for (const action of ['glue:GetPartition', 'glue:CreatePartition', 'glue:UpdatePartition'])
      expect(isAllowed(glueRole, { action, resource: newsTable }), action).toBe(true);
    expect(
      isAllowed(policyOf(`finlake-${stack}-prefect-worker`) as Statement[], {
        action: 'glue:StartJobRun',
        resource: job,
      }),
    ).toBe(false);
    for (const [b, key] of [
      ['bronze', manifestKey(FMP_EOD_PRICES, 'r1', 'pipeline')],
      ['silver', silverRunSummaryKey(FMP_EOD_PRICES.silverTable, 'r1')],
      ['artefacts', fill(ARTIFACTS.dbtRunResults, { run_id: 'r1' })],
    ] as const) {
      const arn =
        b === 'artefacts'
          ? `arn:aws:s3:::${ofType(resources, 'aws:s3/bucket:Bucket').find((x) => x.name === `finlake-${stack}-artefacts`)!.id}`
          : `arn:aws:s3:::${bucket(b)}`;
      expect(isAllowed(flowRuns, { action: 's3:GetObject', resource: `${arn}/${key}` }), key).toBe(true);
    }
    expect(writes(policyOf(`finlake-${stack}-serving-api`))).toEqual([
      `arn:aws:s3:::${bucket('athena-results')}/*`,
    ]);
  });

  it('streams news: an encrypted stream, Firehose into the contract prefix, one Spot poller that never overlaps', () => {
    const stream = ofType(resources, 'aws:kinesis/stream:Stream')[0]!.inputs;
    expect(stream).toMatchObject({ name: `finlake-${stack}-news`, encryptionType: 'KMS' });
    expect(stream.streamModeDetails).toEqual({ streamMode: stack === 'prod' ? 'ON_DEMAND' : 'PROVISIONED' });
    const delivery = ofType(resources, 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream')[0]!
      .inputs;
    const s3 = delivery.extendedS3Configuration as Record<string, unknown>;
    expect(s3).toMatchObject({ prefix: NEWS_DELIVERY.prefix, compressionFormat: 'GZIP' });
    expect(s3.bufferingInterval).toBe(NEWS_DELIVERY.buffering[stack].intervalSeconds);
    const service = ofType(resources, 'aws:ecs/service:Service').find(
      (x) => x.name === `finlake-${stack}-news-producer`,
    )!.inputs;
    expect(service).toMatchObject({
      desiredCount: 1,
      deploymentMinimumHealthyPercent: 0,
      deploymentMaximumPercent: 100,
    });
    expect(service.capacityProviderStrategies).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
    ]);
    const alarms = ofType(resources, 'aws:cloudwatch/metricAlarm:MetricAlarm').map(
      (a) => a.inputs.metricName,
    );
    expect(alarms).toEqual(
      expect.arrayContaining(['GetRecords.IteratorAgeMilliseconds', 'NewsDeadLetteredRecords']),
    );
  });

  it('puts the API behind the cached authorizer except /healthz, throttled and access-logged', async () => {
    const { checkTriggerRule, checkWorkPools } = await seamChecks();
    const methods = ofType(resources, 'aws:apigateway/method:Method');
    expect(methods.map((m) => [m.name.split('-').at(-1), m.inputs.authorization])).toEqual(
      expect.arrayContaining([
        ['proxy', 'CUSTOM'],
        ['healthz', 'NONE'],
      ]),
    );
    expect(ofType(resources, 'aws:apigateway/authorizer:Authorizer')[0]!.inputs).toMatchObject({
      type: 'TOKEN',
      authorizerResultTtlInSeconds: 300,
    });
    expect(
      ofType(resources, 'aws:apigateway/methodSettings:MethodSettings')[0]!.inputs.settings,
    ).toMatchObject({ throttlingRateLimit: expect.any(Number) });
    expect(ofType(resources, 'aws:apigateway/stage:Stage')[0]!.inputs.accessLogSettings).toBeDefined();
    // The rendered rule fires for an event-handoff manifest only (never per object, never for a batch its
    // pipeline cleans itself), and the worker polls the pool every ECS deployment names.
    const rule = ofType(resources, 'aws:cloudwatch/eventRule:EventRule')[0]!;
    const pattern = parseJson(rule.inputs.eventPattern);
    expect(() => checkTriggerRule(pattern)).toThrow(/finlake-check-bronze|does not match/);
    const bronze = pattern.detail.bucket.name[0] as string;
    expect(() =>
      checkTriggerRule({
        ...pattern,
        detail: { ...pattern.detail, bucket: { name: ['finlake-check-bronze'] } },
      }),
    ).not.toThrow();
    expect(bronze).toBe(
      ofType(resources, 'aws:s3/bucket:Bucket').find((b) => b.name === `finlake-${stack}-lake-bronze`)!.id,
    );
    const worker = ofType(resources, 'aws:ecs/taskDefinition:TaskDefinition').find(
      (t) => t.inputs.family === `finlake-${stack}-prefect-worker`,
    )!;
    expect(() =>
      checkWorkPools(stack, parseJson(worker.inputs.containerDefinitions)[0].command),
    ).not.toThrow();
    for (const fn of ofType(resources, 'aws:lambda/function:Function'))
      expect(fn.inputs.runtime, String(fn.inputs.name)).toBe('nodejs24.x');
  });

  it('gives flow runs exactly the environment the contract says they read, and Spot-first capacity', () => {
    const jv = outputs.flowRunJobVariables as {
      env: Record<string, string>;
      capacity_provider_strategy: { capacityProvider: string }[];
    };
    expect(Object.keys(jv.env).sort()).toEqual([...SERVICES.flowRun.infraEnv].sort());
    expect(Object.values(jv.env).every((v) => v !== '')).toBe(true);
    expect(jv.capacity_provider_strategy[0]!.capacityProvider).toBe('FARGATE_SPOT');
    for (const family of [`finlake-${stack}-fmp-ingester`, `finlake-${stack}-dbt`]) {
      const td = ofType(resources, 'aws:ecs/taskDefinition:TaskDefinition').find(
        (t) => t.inputs.family === family,
      )!;
      const [container] = parseJson(td.inputs.containerDefinitions);
      const svc = family.endsWith('dbt') ? SERVICES.dbt : SERVICES.fmpIngester;
      expect(container.name).toBe(svc.container);
      expect(container.command).toEqual(svc.command);
      expect(container.environment.map((e: { name: string }) => e.name).sort()).toEqual(
        [...svc.infraEnv].sort(),
      );
    }
  });

  it('protects the public Prefect endpoint with basic auth over TLS and logs the load balancer', () => {
    const containers = (family: string) =>
      parseJson<{ secrets: { name: string }[] }[]>(
        ofType(resources, 'aws:ecs/taskDefinition:TaskDefinition').find((t) => t.inputs.family === family)!
          .inputs.containerDefinitions,
      )[0]!.secrets.map((s) => s.name);
    expect(containers(`finlake-${stack}-prefect-server`)).toContain('PREFECT_SERVER_API_AUTH_STRING');
    expect(containers(`finlake-${stack}-prefect-worker`)).toContain('PREFECT_API_AUTH_STRING');
    const trigger = ofType(resources, 'aws:lambda/function:Function').find(
      (f) => f.inputs.name === `finlake-${stack}-bronze-trigger`,
    )!;
    expect(
      (trigger.inputs.environment as { variables: Record<string, string> }).variables
        .PREFECT_API_AUTH_STRING_SECRET_ID,
    ).toMatch(/^arn:/);
    const [alb] = ofType(resources, 'aws:lb/loadBalancer:LoadBalancer');
    expect(alb!.inputs.accessLogs).toMatchObject({ enabled: true, prefix: 'alb' });
    const logPolicy = ofType(resources, 'aws:s3/bucketPolicy:BucketPolicy').find(
      (p) => p.name === `finlake-${stack}-lake-access-logs-tls-only`,
    )!;
    expect(
      parseJson<{ Statement: { Sid: string }[] }>(logPolicy.inputs.policy).Statement.map((s) => s.Sid),
    ).toEqual(['DenyInsecureTransport', 'ElbAccessLogs']);
  });
}
