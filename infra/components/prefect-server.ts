import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { SERVICES, SERVICE_CAPACITY_STRATEGY, ecsWorkPool, secretNameOf } from '@finlake/platform';
import { secretRead, type Statement } from './iam.ts';
import { fargateTask, serviceLogGroup } from './ecs.ts';
import { serviceRole } from './security.ts';

export interface PrefectServerArgs {
  env: string;
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  privateSubnetIds: pulumi.Input<string>[];
  albSecurityGroupId: pulumi.Input<string>;
  prefectSecurityGroupId: pulumi.Input<string>;
  rdsSecurityGroupId: pulumi.Input<string>;
  tasksSecurityGroupId: pulumi.Input<string>;
  executionRole: aws.iam.Role;
  /** The stack's cluster (the server, the worker, flow runs and their stage tasks share it). */
  clusterArn: pulumi.Input<string>;
  /** Task roles the worker may hand to the flow-run tasks it starts. */
  flowTaskRoleArns: pulumi.Input<string>[];
  /** Pinned Prefect server image (same Prefect version as the flows' lockfile). */
  image: string;
  /** Flow-run image the ECS work pool starts (the flows app). */
  workerImage: pulumi.Input<string>;
  cpu: number;
  memory: number;
  db: {
    instanceClass: string;
    allocatedStorage: number;
    multiAz: boolean;
    deletionProtection: boolean;
    backupRetentionDays: number;
  };
  domainName: string;
  hostedZoneId: string;
  logRetentionDays: number;
  kmsKeyArn: pulumi.Input<string>;
  /** The access-log bucket (SSE-S3, with ELB log delivery allowed under `albLogPrefix`). */
  accessLogBucket: pulumi.Input<string>;
  albLogPrefix: string;
  tags: Record<string, string>;
}

/** The ECS worker's command: the contract's, polling this environment's pool. */
export const workerCommand = (env: string) => [...SERVICES.prefectWorker.command, '--pool', ecsWorkPool(env)];

/**
 * Prefect Server on ECS Fargate behind an HTTPS ALB, on PostgreSQL (RDS), plus the ECS work pool's
 * infrastructure: a cluster with a Spot-first capacity strategy and an ECS worker service.
 */
export class PrefectServer extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  readonly databaseUrlSecretArn: pulumi.Output<string>;
  readonly dbInstanceId: pulumi.Output<string>;
  readonly authStringSecretArn: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: PrefectServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:orchestration:PrefectServer', name, args, opts);
    const parent = { parent: this };
    const tags = args.tags;

    // --- Database
    const password = new random.RandomPassword(`${name}-db`, { length: 32, special: false }, parent);
    const subnets = new aws.rds.SubnetGroup(`${name}-db`, { subnetIds: args.privateSubnetIds, tags }, parent);
    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        engine: 'postgres',
        engineVersion: '15',
        instanceClass: args.db.instanceClass,
        allocatedStorage: args.db.allocatedStorage,
        storageType: 'gp3',
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        dbName: 'prefect',
        username: 'prefect',
        password: password.result,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [args.rdsSecurityGroupId],
        publiclyAccessible: false,
        multiAz: args.db.multiAz,
        deletionProtection: args.db.deletionProtection,
        backupRetentionPeriod: args.db.backupRetentionDays,
        skipFinalSnapshot: !args.db.deletionProtection,
        finalSnapshotIdentifier: args.db.deletionProtection ? `${name}-db-final-${args.env}` : undefined,
        performanceInsightsEnabled: true,
        autoMinorVersionUpgrade: true,
        copyTagsToSnapshot: true,
        tags,
      },
      parent,
    );
    const dbUrlSecret = new aws.secretsmanager.Secret(
      `${name}-database-url`,
      { name: secretNameOf(args.env, 'prefectDatabaseUrl'), kmsKeyId: args.kmsKeyArn, tags },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-database-url`,
      {
        secretId: dbUrlSecret.id,
        secretString: pulumi.secret(
          pulumi.interpolate`postgresql+asyncpg://prefect:${password.result}@${db.address}:${db.port}/prefect`,
        ),
      },
      parent,
    );

    // The API is reachable through a public ALB: Prefect's basic auth (PREFECT_SERVER_API_AUTH_STRING) on
    // top of TLS. Clients (worker, flow runs, the bronze trigger) read the same string from this secret.
    const authPassword = new random.RandomPassword(
      `${name}-api-auth`,
      { length: 40, special: false },
      parent,
    );
    const authSecret = new aws.secretsmanager.Secret(
      `${name}-api-auth-string`,
      { name: secretNameOf(args.env, 'prefectApiAuthString'), kmsKeyId: args.kmsKeyArn, tags },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-api-auth-string`,
      {
        secretId: authSecret.id,
        secretString: pulumi.secret(pulumi.interpolate`finlake:${authPassword.result}`),
      },
      parent,
    );

    const cluster = { arn: pulumi.output(args.clusterArn) };
    const logs = serviceLogGroup(
      name,
      { env: args.env, service: 'prefect', retentionInDays: args.logRetentionDays, tags: tags },
      this,
    );
    new aws.iam.RolePolicy(
      `${name}-exec-secrets`,
      {
        role: args.executionRole.id,
        policy: pulumi.all([dbUrlSecret.arn, authSecret.arn, args.kmsKeyArn]).apply(([dbUrl, auth, key]) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              secretRead('PrefectSecrets', [dbUrl, auth]),
              { Sid: 'SecretsKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key] },
            ],
          }),
        ),
      },
      parent,
    );

    // --- TLS: an ACM certificate validated through Route 53, HTTPS only (HTTP redirects).
    const host = `prefect.${args.domainName}`;
    const cert = new aws.acm.Certificate(
      `${name}-cert`,
      { domainName: host, validationMethod: 'DNS', tags },
      parent,
    );
    const validationRecord = new aws.route53.Record(
      `${name}-cert-validation`,
      {
        zoneId: args.hostedZoneId,
        name: cert.domainValidationOptions[0]!.resourceRecordName,
        type: cert.domainValidationOptions[0]!.resourceRecordType,
        records: [cert.domainValidationOptions[0]!.resourceRecordValue],
        ttl: 300,
      },
      parent,
    );
    const validation = new aws.acm.CertificateValidation(
      `${name}-cert`,
      { certificateArn: cert.arn, validationRecordFqdns: [validationRecord.fqdn] },
      parent,
    );
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: 'application',
        subnets: args.publicSubnetIds,
        securityGroups: [args.albSecurityGroupId],
        dropInvalidHeaderFields: true,
        accessLogs: { bucket: args.accessLogBucket, prefix: args.albLogPrefix, enabled: true },
        enableDeletionProtection: args.db.deletionProtection,
        tags,
      },
      parent,
    );
    const tg = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        port: 4200,
        protocol: 'HTTP',
        targetType: 'ip',
        vpcId: args.vpcId,
        healthCheck: {
          path: '/api/health',
          matcher: '200',
          interval: 30,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags,
      },
      parent,
    );
    new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: validation.certificateArn,
        defaultActions: [{ type: 'forward', targetGroupArn: tg.arn }],
        tags,
      },
      parent,
    );
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [
          { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
        ],
        tags,
      },
      parent,
    );
    new aws.route53.Record(
      `${name}-alias`,
      {
        zoneId: args.hostedZoneId,
        name: host,
        type: 'A',
        aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
      },
      parent,
    );

    // --- Prefect server service
    const serverTask = fargateTask(
      `${name}-server`,
      {
        family: `finlake-${args.env}-prefect-server`,
        cpu: args.cpu,
        memory: args.memory,
        executionRoleArn: args.executionRole.arn,
        container: {
          name: 'prefect-server',
          image: args.image,
          command: ['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', '4200'],
          environment: {
            PREFECT_UI_API_URL: `https://${host}/api`,
            PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
          },
          secrets: {
            PREFECT_API_DATABASE_CONNECTION_URL: dbUrlSecret.arn,
            PREFECT_SERVER_API_AUTH_STRING: authSecret.arn,
          },
          port: 4200,
          healthPath: '/api/health',
          logGroup: logs.name,
        },
        tags,
      },
      parent,
    );
    new aws.ecs.Service(
      `${name}-server`,
      {
        cluster: cluster.arn,
        taskDefinition: serverTask.arn,
        desiredCount: 1,
        // The server holds no state of its own, but Spot interruptions would cut the API: on-demand.
        capacityProviderStrategies: SERVICE_CAPACITY_STRATEGY.map((c) => ({ ...c })),
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.prefectSecurityGroupId],
          assignPublicIp: false,
        },
        loadBalancers: [{ targetGroupArn: tg.arn, containerName: 'prefect-server', containerPort: 4200 }],
        healthCheckGracePeriodSeconds: 120,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        propagateTags: 'SERVICE',
        tags,
      },
      parent,
    );

    // --- ECS work pool: a worker that starts each flow run as a Fargate task in this cluster.
    const workerRole = serviceRole(
      `${name}-worker`,
      'ecs-tasks.amazonaws.com',
      [cluster.arn, args.executionRole.arn, ...args.flowTaskRoleArns],
      ([clusterArn, ...passable]): Statement[] => [
        {
          Sid: 'RunFlowTasks',
          Effect: 'Allow',
          Action: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks', 'ecs:TagResource'],
          Resource: ['*'],
          Condition: { ArnEquals: { 'ecs:cluster': clusterArn! } },
        },
        {
          // Task definitions have no cluster: the worker registers one per flow-run image.
          Sid: 'FlowTaskDefinitions',
          Effect: 'Allow',
          Action: [
            'ecs:RegisterTaskDefinition',
            'ecs:DescribeTaskDefinition',
            'ecs:DeregisterTaskDefinition',
          ],
          Resource: ['*'],
        },
        { Sid: 'PassRoles', Effect: 'Allow', Action: ['iam:PassRole'], Resource: passable },
        { Sid: 'FlowLogs', Effect: 'Allow', Action: ['logs:GetLogEvents'], Resource: ['*'] },
      ],
      { parent: this, tags },
    );
    const workerTask = fargateTask(
      `${name}-worker`,
      {
        family: `finlake-${args.env}-prefect-worker`,
        cpu: 256,
        memory: 512,
        executionRoleArn: args.executionRole.arn,
        taskRoleArn: workerRole.arn,
        container: {
          name: SERVICES.prefectWorker.container,
          image: args.workerImage,
          command: workerCommand(args.env),
          environment: { PREFECT_API_URL: `https://${host}/api`, FINLAKE_ENV: args.env },
          secrets: { PREFECT_API_AUTH_STRING: authSecret.arn },
          logGroup: logs.name,
        },
        tags,
      },
      parent,
    );
    new aws.ecs.Service(
      `${name}-worker`,
      {
        cluster: cluster.arn,
        taskDefinition: workerTask.arn,
        desiredCount: 1,
        capacityProviderStrategies: SERVICE_CAPACITY_STRATEGY.map((c) => ({ ...c })),
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.tasksSecurityGroupId],
          assignPublicIp: false,
        },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        propagateTags: 'SERVICE',
        tags,
      },
      parent,
    );

    this.url = pulumi.output(`https://${host}/api`);
    this.clusterArn = cluster.arn;
    this.databaseUrlSecretArn = dbUrlSecret.arn;
    this.dbInstanceId = db.id;
    this.authStringSecretArn = authSecret.arn;
    this.logGroupName = logs.name;
    this.registerOutputs({ url: this.url, clusterArn: this.clusterArn });
  }
}
