// The Finlake stack program: it only reads the stack's config and wires components (infra/components).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as aws from '@pulumi/aws';
import { loadStackConfig } from './config.ts';
import * as pulumi from '@pulumi/pulumi';
import {
  IMAGES,
  NEWS_DELIVERY,
  SECRETS,
  STREAM_DELIVERIES,
  ecsWorkPool,
  secretNameOf,
} from '@finlake/platform';
import {
  ALB_LOG_PREFIX,
  BronzeTrigger,
  checkSeams,
  Cluster,
  connectorAccess,
  DataLake,
  dbtAccess,
  Ecr,
  FargateJob,
  FlowRuns,
  HttpsLoadBalancer,
  NewsStream,
  PREFECT_HEALTH_PATH,
  PREFECT_PORT,
  PrefectDatabase,
  PrefectWorker,
  GlueJob,
  alarmTopic,
  lakeFormationSettings,
  LakeGovernance,
  Observability,
  PrefectServer,
  Secrets,
  SecureBucket,
  Security,
  ServingApi,
  tagsFor,
  Vpc,
} from './components/index.ts';

// Built to infra/dist/index.js; the repo root is two levels up from there (and from infra/index.ts, one).
const here = dirname(fileURLToPath(import.meta.url));
const repo = here.endsWith('dist') ? join(here, '..', '..') : join(here, '..');

const c = loadStackConfig();
// Refuse, before anything is planned, a program whose policies, rules or pools contradict the contract.
checkSeams(c.env);
const ctx = { env: c.env, costCenter: c.costCenter };
const name = `finlake-${c.env}`;

export const APP_IMAGES = IMAGES;

const vpc = new Vpc(`${name}-vpc`, {
  cidr: c.vpcCidr,
  availabilityZones: c.availabilityZones,
  natGateways: c.natGateways,
  region: c.region,
  flowLogRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'network'),
});
const security = new Security(`${name}-sec`, {
  vpcId: vpc.vpcId,
  env: c.env,
  tags: tagsFor(ctx, 'security'),
});
const caller = aws.getCallerIdentityOutput();
const accountId = caller.accountId;
// Before the catalog: databases created after these settings get no IAMAllowedPrincipals super grant.
const lakeFormation = lakeFormationSettings(`${name}-lake-formation`, {
  // An assumed-role session's ARN is not a principal: Lake Formation needs the role's.
  deployerArn: aws.iam.getSessionContextOutput({ arn: caller.arn }).issuerArn,
  admins: c.lakeFormationAdmins,
});
const lake = new DataLake(`${name}-lake`, {
  env: c.env,
  region: c.region,
  accountId,
  athenaBytesScannedCutoff: c.athenaBytesScannedCutoff,
  forceDestroy: c.env === 'dev',
  catalogDependsOn: [lakeFormation],
  tags: tagsFor(ctx, 'lake'),
});
const secrets = new Secrets(`${name}-secrets`, {
  env: c.env,
  kmsKeyArn: lake.kmsKeyArn,
  secrets: [
    { ...SECRETS.fmpApiKey, value: c.fmpApiKey },
    { ...SECRETS.slackWebhookUrl, value: c.slackWebhookUrl },
  ],
  tags: tagsFor(ctx, 'secrets'),
});
const ecr = new Ecr(`${name}-ecr`, { repositories: APP_IMAGES, tags: tagsFor(ctx, 'containers') });
const artefacts = new SecureBucket(`${name}-artefacts`, {
  kmsKeyArn: lake.kmsKeyArn,
  accessLogBucket: lake.accessLogs.name,
  forceDestroy: c.env === 'dev',
  tags: tagsFor(ctx, 'artefacts'),
});

const cluster = new Cluster(`${name}-cluster`, { tags: tagsFor(ctx, 'compute') });
const connector = new FargateJob(`${name}-fmp-ingester`, {
  env: c.env,
  service: 'fmpIngester',
  image: ecr.image('fmp-ingester', c.imageTag),
  cpu: c.connector.cpu,
  memory: c.connector.memory,
  executionRole: security.executionRole,
  environment: {
    FINLAKE_ENV: c.env,
    FINLAKE_BRONZE_URI: pulumi.interpolate`s3://${lake.bronze.name}`,
    FMP_API_KEY_SECRET_ID: secrets.arn(SECRETS.fmpApiKey.service, SECRETS.fmpApiKey.name),
    FMP_RATE_LIMIT_PER_MIN: String(c.connector.rateLimitPerMinute),
  },
  access: connectorAccess(
    lake.bronze.arn,
    lake.kmsKeyArn,
    secrets.arn(SECRETS.fmpApiKey.service, SECRETS.fmpApiKey.name),
  ),
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'fmp-ingester'),
});
const alarms = alarmTopic(`${name}-alarms`, c.env, lake.kmsKeyArn, tagsFor(ctx, 'observability'));
// The streamed sources: producer -> Kinesis -> Firehose -> bronze, news and each one generated with
// `--kind stream` (its own stream, delivery, producer service and roles; its settings finlake:streams.<table>,
// else finlake:news').
const streamArgs = (delivery: (typeof STREAM_DELIVERIES)[number]) => ({
  delivery,
  alarmTopicArn: alarms.arn,
  env: c.env,
  ...(c.streams[delivery.dataset.silverTable] ?? c.news),
  bronzeBucketArn: lake.bronze.arn,
  bronzeBucketName: lake.bronze.name,
  kmsKeyArn: lake.kmsKeyArn,
  apiKeySecretArn: secrets.arn(SECRETS.fmpApiKey.service, SECRETS.fmpApiKey.name),
  ratePerMin: c.connector.rateLimitPerMinute,
  clusterArn: cluster.arn,
  image: ecr.image('news-producer', c.imageTag),
  executionRole: security.executionRole,
  privateSubnetIds: vpc.privateSubnetIds,
  securityGroupId: security.tasksSecurityGroupId,
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'news-stream'),
});
export const news = new NewsStream(`${name}-news`, streamArgs(NEWS_DELIVERY));
export const generatedStreams = STREAM_DELIVERIES.filter((d) => d !== NEWS_DELIVERY).map(
  (d) => new NewsStream(`${name}-${d.dataset.dataset.replace(/_/g, '-')}`, streamArgs(d)),
);
const glue = new GlueJob(`${name}-glue`, {
  env: c.env,
  region: c.region,
  accountId,
  scriptPath: join(repo, 'apps', 'glue-bronze-to-silver', 'glue_entry.py'),
  packageDir: join(repo, 'apps', 'glue-bronze-to-silver', 'src', 'finlake_glue'),
  pyprojectPath: join(repo, 'apps', 'glue-bronze-to-silver', 'pyproject.toml'),
  contractsDir: join(repo, 'libs', 'schemas', 'generated', 'json-schema'),
  platformJson: join(repo, 'libs', 'platform', 'generated', 'platform.json'),
  lake,
  artefacts,
  ...c.glue,
  tags: tagsFor(ctx, 'glue-bronze-to-silver'),
});
const dbt = new FargateJob(`${name}-dbt`, {
  env: c.env,
  service: 'dbt',
  image: ecr.image('dbt', c.imageTag),
  cpu: c.dbt.cpu,
  memory: c.dbt.memory,
  executionRole: security.executionRole,
  // The names dbt/profiles.yml and finlake_flows.dbt_task read.
  environment: {
    FINLAKE_ENV: c.env,
    DBT_TARGET: c.env,
    AWS_REGION: c.region,
    FINLAKE_ATHENA_WORKGROUP: lake.workGroupName,
    FINLAKE_SILVER_DATABASE: lake.silverDatabase,
    FINLAKE_GOLD_CANDIDATES_DATABASE: lake.goldCandidatesDatabase,
    FINLAKE_GOLD_URI: pulumi.interpolate`s3://${lake.gold.name}`,
    FINLAKE_ATHENA_RESULTS_URI: pulumi.interpolate`s3://${lake.athenaResults.name}/dbt/`,
    FINLAKE_ARTIFACTS_URI: pulumi.interpolate`s3://${artefacts.name}`,
  },
  access: dbtAccess({
    workGroupArn: lake.workGroupArn,
    silverBucketArn: lake.silver.arn,
    goldBucketArn: lake.gold.arn,
    resultsBucketArn: lake.athenaResults.arn,
    artefactsBucketArn: artefacts.arn,
    kmsKeyArn: lake.kmsKeyArn,
    silverDatabase: lake.silverDatabase,
    candidatesDatabase: lake.goldCandidatesDatabase,
    region: c.region,
    accountId,
  }),
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'dbt'),
});
const prefectTags = tagsFor(ctx, 'prefect');
const prefectDb = new PrefectDatabase(`${name}-prefect-db`, {
  env: c.env,
  privateSubnetIds: vpc.privateSubnetIds,
  securityGroupId: security.rdsSecurityGroupId,
  ...c.rds,
  kmsKeyArn: lake.kmsKeyArn,
  tags: prefectTags,
});
const prefectLb = new HttpsLoadBalancer(`${name}-prefect-lb`, {
  host: `prefect.${c.domainName}`,
  hostedZoneId: c.hostedZoneId,
  vpcId: vpc.vpcId,
  publicSubnetIds: vpc.publicSubnetIds,
  securityGroupId: security.albSecurityGroupId,
  targetPort: PREFECT_PORT,
  healthPath: PREFECT_HEALTH_PATH,
  accessLogBucket: lake.accessLogs.name,
  logPrefix: ALB_LOG_PREFIX,
  deletionProtection: c.rds.deletionProtection,
  tags: prefectTags,
});
const prefect = new PrefectServer(`${name}-prefect`, {
  env: c.env,
  cluster,
  database: prefectDb,
  loadBalancer: prefectLb,
  executionRole: security.executionRole,
  privateSubnetIds: vpc.privateSubnetIds,
  securityGroupId: security.prefectSecurityGroupId,
  image: c.prefect.image,
  cpu: c.prefect.cpu,
  memory: c.prefect.memory,
  logRetentionDays: c.logRetentionDays,
  kmsKeyArn: lake.kmsKeyArn,
  tags: prefectTags,
});
const serving = new ServingApi(`${name}-serving`, {
  env: c.env,
  region: c.region,
  accountId,
  apiCodeDir: join(repo, 'apps', 'serving-api', 'dist', 'lambda'),
  authorizerCodeDir: join(repo, 'apps', 'api-authorizer', 'dist'),
  lake,
  jwtIssuer: c.jwtIssuer,
  jwksUrl: c.jwksUrl,
  authorizerCacheSeconds: 300,
  throttle: c.apiThrottle,
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'serving-api'),
});

new BronzeTrigger(`${name}-trigger`, {
  env: c.env,
  region: c.region,
  accountId,
  codeDir: join(repo, 'apps', 'bronze-event-trigger', 'dist'),
  lake,
  prefect,
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'bronze-trigger'),
});
const flowRuns = new FlowRuns(`${name}-flow-runs`, {
  env: c.env,
  region: c.region,
  accountId,
  clusterArn: cluster.arn,
  executionRole: security.executionRole,
  image: ecr.image('flows', c.imageTag),
  subnetIds: vpc.privateSubnetIds,
  securityGroupId: security.tasksSecurityGroupId,
  prefectAuthSecretArn: prefect.authStringSecretArn,
  logGroupName: prefect.logGroupName,
  connector,
  dbt,
  glueJobName: glue.jobName,
  buckets: {
    bronze: lake.bronze.name,
    silver: lake.silver.name,
    gold: lake.gold.name,
    artefacts: artefacts.name,
  },
  bucketArns: {
    bronze: lake.bronze.arn,
    silver: lake.silver.arn,
    gold: lake.gold.arn,
    artefacts: artefacts.arn,
  },
  goldDatabase: lake.goldDatabase,
  goldCandidatesDatabase: lake.goldCandidatesDatabase,
  kmsKeyArn: lake.kmsKeyArn,
  tags: tagsFor(ctx, 'flow-runs'),
});
const governance = new LakeGovernance(`${name}-governance`, {
  env: c.env,
  region: c.region,
  accountId,
  settings: lakeFormation,
  goldDatabase: lake.goldDatabase,
  candidatesDatabase: lake.goldCandidatesDatabase,
  silverDatabase: lake.silverDatabase,
  goldBucketArn: lake.gold.arn,
  silverBucketArn: lake.silver.arn,
  kmsKeyArn: lake.kmsKeyArn,
  workGroupArn: lake.workGroupArn,
  resultsBucketArn: lake.athenaResults.arn,
  goldTables: lake.goldTables,
  roles: {
    servingApi: serving.apiRoleArn,
    dbt: dbt.taskRoleArn,
    publisher: flowRuns.roleArn,
    glue: glue.roleArn,
  },
  tags: tagsFor(ctx, 'governance'),
});

new Observability(`${name}-observability`, {
  env: c.env,
  kmsKeyArn: lake.kmsKeyArn,
  alarmTopicArn: alarms.arn,
  flowLogGroupName: prefect.logGroupName,
  api: { name: serving.apiName, stage: serving.stageName },
  freshnessSlaHours: c.freshnessSlaHours,
  dashboardJsonPath: join(repo, 'tools', 'dashboards', 'generated', 'finlake-platform.json'),
  artefactsBucket: artefacts.name,
  tags: tagsFor(ctx, 'observability'),
});
new PrefectWorker(`${name}-prefect-worker`, {
  env: c.env,
  cluster,
  server: prefect,
  executionRole: security.executionRole,
  image: ecr.image('flows', c.imageTag),
  privateSubnetIds: vpc.privateSubnetIds,
  securityGroupId: security.tasksSecurityGroupId,
  passRoleArns: [flowRuns.roleArn],
  tags: prefectTags,
});

export const bronzeBucket = lake.bronze.name;
export const silverBucket = lake.silver.name;
export const goldBucket = lake.gold.name;
export const goldTable = lake.goldTable;
export const athenaWorkGroup = lake.workGroupName;
export const ecrRepositories = ecr.urls;
export const connectorTaskDefinition = connector.taskDefinitionArn;
export const dbtTaskDefinition = dbt.taskDefinitionArn;
export const glueJobName = glue.jobName;
export const prefectApiUrl = prefect.url;
export const prefectCluster = cluster.arn;
export const artefactsBucket = artefacts.name;
export const workPool = ecsWorkPool(c.env);
/** The ECS pool's job variables (tools/scripts/prefect-deploy.sh writes them into the pool's template). */
export const flowRunJobVariables = flowRuns.jobVariables;
export const prefectAuthSecret = secretNameOf(c.env, 'prefectApiAuthString');
export const apiUrl = serving.url;
export const analystRole = governance.analystRoleArn;
export const alarmTopicArn = alarms.arn;
