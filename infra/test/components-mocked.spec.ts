// Each component on its own under Pulumi mocks (strict call mock), with the least the component needs:
// what it creates, and that it carries the contract's names, commands and environment.
import {
  BATCH_CAPACITY_STRATEGY,
  ecsWorkPool,
  SERVICES,
  eventManifestsPrefix,
  FMP_EOD_PRICES,
  secretNameOf,
} from '@finlake/platform';
import { ofType, parseJson, runUnderMocks, type Recorded } from './harness.ts';

let resources: Recorded[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  ({ resources, outputs } = await runUnderMocks(
    'unit',
    async () => {
      const aws = await import('@pulumi/aws');
      const pulumi = await import('@pulumi/pulumi');
      const c = await import('../components/index.ts');
      const tags = { project: 'finlake', env: 'dev', service: 'unit', 'cost-center': 'x' };
      const exec = new aws.iam.Role('exec', { assumeRolePolicy: '{}' });
      const cluster = new c.Cluster('cluster', { tags });
      const db = new c.PrefectDatabase('db', {
        env: 'dev',
        privateSubnetIds: ['subnet-a', 'subnet-b'],
        securityGroupId: 'sg-rds',
        instanceClass: 'db.t4g.micro',
        allocatedStorage: 20,
        multiAz: false,
        deletionProtection: false,
        backupRetentionDays: 1,
        kmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k',
        tags,
      });
      const lb = new c.HttpsLoadBalancer('lb', {
        host: 'prefect.dev.example.com',
        hostedZoneId: 'Z1',
        vpcId: 'vpc-1',
        publicSubnetIds: ['subnet-p1', 'subnet-p2'],
        securityGroupId: 'sg-alb',
        targetPort: c.PREFECT_PORT,
        healthPath: c.PREFECT_HEALTH_PATH,
        accessLogBucket: 'logs',
        logPrefix: 'alb',
        deletionProtection: false,
        tags,
      });
      const server = new c.PrefectServer('server', {
        env: 'dev',
        cluster,
        database: db,
        loadBalancer: lb,
        executionRole: exec,
        privateSubnetIds: ['subnet-a'],
        securityGroupId: 'sg-prefect',
        image: 'prefecthq/prefect:3.9.1-python3.11',
        cpu: 512,
        memory: 1024,
        logRetentionDays: 7,
        kmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k',
        tags,
      });
      new c.PrefectWorker('worker', {
        env: 'dev',
        cluster,
        server,
        executionRole: exec,
        image: 'flows:1',
        privateSubnetIds: ['subnet-a'],
        securityGroupId: 'sg-tasks',
        passRoleArns: ['arn:aws:iam::1:role/flow-runs'],
        tags,
      });
      const job = new c.FargateJob('ingester', {
        env: 'dev',
        service: 'fmpIngester',
        image: 'fmp-ingester:1',
        cpu: 256,
        memory: 512,
        executionRole: exec,
        environment: {
          FINLAKE_ENV: 'dev',
          FINLAKE_BRONZE_URI: 's3://bronze',
          FMP_API_KEY_SECRET_ID: 'arn:secret',
          FMP_RATE_LIMIT_PER_MIN: '300',
        },
        access: c.connectorAccess('arn:aws:s3:::bronze', 'arn:kms', 'arn:secret'),
        logRetentionDays: 7,
        tags,
      });
      new c.BronzeTrigger('trigger', {
        env: 'dev',
        region: 'us-east-1',
        accountId: '123456789012',
        codeDir: import.meta.dirname,
        // Only what the trigger reads of the lake (a stand-in object; the stack passes the DataLake).
        lake: { bronze: { name: pulumi.output('bronze') }, kmsKeyArn: pulumi.output('arn:kms') } as never,
        prefect: server,
        logRetentionDays: 7,
        tags,
      });
      return { serverUrl: server.url, jobRole: job.taskRoleArn };
    },
    {},
  ));
}, 120_000);

const td = (family: string) =>
  parseJson(
    ofType(resources, 'aws:ecs/taskDefinition:TaskDefinition').find((t) => t.inputs.family === family)!.inputs
      .containerDefinitions,
  )[0];

describe('components on their own', () => {
  it('PrefectDatabase: private, encrypted Postgres and its URL under the contract`s secret name', () => {
    expect(ofType(resources, 'aws:rds/instance:Instance')[0]!.inputs).toMatchObject({
      engine: 'postgres',
      storageEncrypted: true,
      publiclyAccessible: false,
    });
    expect(ofType(resources, 'aws:secretsmanager/secret:Secret').map((s) => s.inputs.name)).toEqual(
      expect.arrayContaining([
        secretNameOf('dev', 'prefectDatabaseUrl'),
        secretNameOf('dev', 'prefectApiAuthString'),
      ]),
    );
  });

  it('HttpsLoadBalancer: TLS 1.2+ on 443, HTTP redirected, access-logged', () => {
    const listeners = ofType(resources, 'aws:lb/listener:Listener').map((l) => l.inputs);
    expect(listeners).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          port: 443,
          protocol: 'HTTPS',
          sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        }),
        expect.objectContaining({
          port: 80,
          defaultActions: [expect.objectContaining({ type: 'redirect' })],
        }),
      ]),
    );
    expect(ofType(resources, 'aws:lb/loadBalancer:LoadBalancer')[0]!.inputs.accessLogs).toMatchObject({
      enabled: true,
    });
    expect(outputs.serverUrl).toBe('https://prefect.dev.example.com/api');
  });

  it('PrefectServer and PrefectWorker: on-demand services; the worker polls the contract`s pool', () => {
    for (const s of ofType(resources, 'aws:ecs/service:Service'))
      expect(s.inputs.capacityProviderStrategies).toEqual([
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      ]);
    expect(td('finlake-dev-prefect-worker').command).toEqual([
      ...SERVICES.prefectWorker.command,
      '--pool',
      ecsWorkPool('dev'),
    ]);
    expect(td('finlake-dev-prefect-server').secrets.map((s: { name: string }) => s.name)).toContain(
      'PREFECT_SERVER_API_AUTH_STRING',
    );
  });

  it('Cluster: Fargate and Spot, Spot-first by default for batch tasks', () => {
    expect(
      ofType(resources, 'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders')[0]!.inputs
        .defaultCapacityProviderStrategies,
    ).toEqual(BATCH_CAPACITY_STRATEGY.map((s) => ({ ...s })));
  });

  it('FargateJob: the contract`s container, command and exactly its environment', () => {
    const c = td('finlake-dev-fmp-ingester');
    expect(c.name).toBe(SERVICES.fmpIngester.container);
    expect(c.command).toEqual(SERVICES.fmpIngester.command);
    expect(c.environment.map((e: { name: string }) => e.name).sort()).toEqual(
      [...SERVICES.fmpIngester.infraEnv].sort(),
    );
  });

  it('BronzeTrigger: a Node 24 Lambda and a rule on the event manifests only', () => {
    const fn = ofType(resources, 'aws:lambda/function:Function')[0]!;
    expect(fn.inputs.runtime).toBe('nodejs24.x');
    const pattern = parseJson(
      ofType(resources, 'aws:cloudwatch/eventRule:EventRule')[0]!.inputs.eventPattern,
    );
    expect(pattern.detail.object.key).toEqual([{ prefix: eventManifestsPrefix(FMP_EOD_PRICES) }]);
    expect(Object.keys((fn.inputs.environment as { variables: object }).variables).sort()).toEqual(
      ['NODE_OPTIONS', ...SERVICES.bronzeTrigger.infraEnv].sort(),
    );
  });
});
