// The Finlake stack program: it only reads the stack's config and wires components (infra/components).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as aws from '@pulumi/aws';
import { loadStackConfig } from './config.ts';
import {
  ALB_LOG_PREFIX,
  ConnectorTask,
  DataLake,
  DbtRunner,
  Ecr,
  GlueJob,
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
const ctx = { env: c.env, costCenter: c.costCenter };
const name = `finlake-${c.env}`;

export const APP_IMAGES = ['base', 'python-base', 'fmp-ingester', 'flows', 'dbt', 'blocks-sync'];

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
const accountId = aws.getCallerIdentityOutput().accountId;
const lake = new DataLake(`${name}-lake`, {
  env: c.env,
  region: c.region,
  accountId,
  athenaBytesScannedCutoff: c.athenaBytesScannedCutoff,
  forceDestroy: c.env === 'dev',
  tags: tagsFor(ctx, 'lake'),
});
const secrets = new Secrets(`${name}-secrets`, {
  env: c.env,
  kmsKeyArn: lake.kmsKeyArn,
  secrets: [
    { service: 'fmp', name: 'api_key', description: 'Financial Modeling Prep API key', value: c.fmpApiKey },
    {
      service: 'slack',
      name: 'webhook_url',
      description: 'Slack incoming webhook for pipeline alerts',
      value: c.slackWebhookUrl,
    },
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

const connector = new ConnectorTask(`${name}-fmp-ingester`, {
  env: c.env,
  image: ecr.image('fmp-ingester', c.imageTag),
  ...c.connector,
  executionRole: security.executionRole,
  bronzeBucketName: lake.bronze.name,
  bronzeBucketArn: lake.bronze.arn,
  kmsKeyArn: lake.kmsKeyArn,
  apiKeySecretArn: secrets.arn('fmp', 'api_key'),
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'fmp-ingester'),
});
const glue = new GlueJob(`${name}-glue`, {
  env: c.env,
  region: c.region,
  accountId,
  scriptPath: join(repo, 'apps', 'glue-bronze-to-silver', 'glue_entry.py'),
  packageDir: join(repo, 'apps', 'glue-bronze-to-silver', 'src', 'finlake_glue'),
  artefactsBucketName: artefacts.name,
  artefactsBucketArn: artefacts.arn,
  bronzeBucketName: lake.bronze.name,
  bronzeBucketArn: lake.bronze.arn,
  silverBucketName: lake.silver.name,
  silverBucketArn: lake.silver.arn,
  silverDatabase: lake.silverDatabase,
  kmsKeyArn: lake.kmsKeyArn,
  ...c.glue,
  tags: tagsFor(ctx, 'glue-bronze-to-silver'),
});
const dbt = new DbtRunner(`${name}-dbt`, {
  env: c.env,
  region: c.region,
  accountId,
  image: ecr.image('dbt', c.imageTag),
  ...c.dbt,
  executionRole: security.executionRole,
  workGroupName: lake.workGroupName,
  workGroupArn: lake.workGroupArn,
  silverBucketArn: lake.silver.arn,
  goldBucketArn: lake.gold.arn,
  goldBucketName: lake.gold.name,
  resultsBucketArn: lake.athenaResults.arn,
  resultsBucketName: lake.athenaResults.name,
  silverDatabase: lake.silverDatabase,
  goldDatabase: lake.goldDatabase,
  kmsKeyArn: lake.kmsKeyArn,
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'dbt'),
});
const prefect = new PrefectServer(`${name}-prefect`, {
  env: c.env,
  vpcId: vpc.vpcId,
  publicSubnetIds: vpc.publicSubnetIds,
  privateSubnetIds: vpc.privateSubnetIds,
  albSecurityGroupId: security.albSecurityGroupId,
  prefectSecurityGroupId: security.prefectSecurityGroupId,
  rdsSecurityGroupId: security.rdsSecurityGroupId,
  tasksSecurityGroupId: security.tasksSecurityGroupId,
  executionRole: security.executionRole,
  flowTaskRoleArns: [connector.taskRoleArn, dbt.taskRoleArn],
  image: c.prefect.image,
  workerImage: ecr.image('flows', c.imageTag),
  cpu: c.prefect.cpu,
  memory: c.prefect.memory,
  db: c.rds,
  domainName: c.domainName,
  hostedZoneId: c.hostedZoneId,
  logRetentionDays: c.logRetentionDays,
  kmsKeyArn: lake.kmsKeyArn,
  accessLogBucket: lake.accessLogs.name,
  albLogPrefix: ALB_LOG_PREFIX,
  tags: tagsFor(ctx, 'prefect'),
});
const serving = new ServingApi(`${name}-serving`, {
  env: c.env,
  region: c.region,
  accountId,
  apiCodeDir: join(repo, 'apps', 'serving-api', 'dist', 'lambda'),
  authorizerCodeDir: join(repo, 'apps', 'api-authorizer', 'dist'),
  triggerCodeDir: join(repo, 'apps', 'bronze-event-trigger', 'dist'),
  workGroupName: lake.workGroupName,
  workGroupArn: lake.workGroupArn,
  goldTable: lake.goldTable,
  goldDatabase: lake.goldDatabase,
  goldBucketArn: lake.gold.arn,
  resultsBucketArn: lake.athenaResults.arn,
  kmsKeyArn: lake.kmsKeyArn,
  jwtIssuer: c.jwtIssuer,
  jwksUrl: c.jwksUrl,
  authorizerCacheSeconds: 300,
  throttle: c.apiThrottle,
  bronzeBucketName: lake.bronze.name,
  prefectApiUrl: prefect.url,
  prefectAuthSecretArn: prefect.authStringSecretArn,
  logRetentionDays: c.logRetentionDays,
  tags: tagsFor(ctx, 'serving-api'),
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
export const prefectCluster = prefect.clusterArn;
export const apiUrl = serving.url;
