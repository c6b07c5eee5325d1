import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { athenaQueries, bucketAccess, glueCatalogAccess, kmsUse, logsWrite, type Statement } from './iam.ts';
import { serviceRole } from './security.ts';

export interface ServingApiArgs {
  env: string;
  region: string;
  accountId: pulumi.Input<string>;
  /** Built Lambda folders: apps/serving-api/dist/lambda, apps/api-authorizer/dist, apps/bronze-event-trigger/dist. */
  apiCodeDir: string;
  authorizerCodeDir: string;
  triggerCodeDir: string;
  workGroupName: pulumi.Input<string>;
  workGroupArn: pulumi.Input<string>;
  goldTable: pulumi.Input<string>;
  goldDatabase: pulumi.Input<string>;
  goldBucketArn: pulumi.Input<string>;
  resultsBucketArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  jwtIssuer: string;
  jwksUrl: string;
  /** API Gateway caches an authorizer decision per token this long (REST default 300 s). */
  authorizerCacheSeconds: number;
  throttle: { rateLimit: number; burstLimit: number };
  bronzeBucketName: pulumi.Input<string>;
  prefectApiUrl: pulumi.Input<string>;
  /** `/{env}/prefect/api_auth_string`: the trigger's basic-auth credentials for the Prefect API. */
  prefectAuthSecretArn: pulumi.Input<string>;
  logRetentionDays: number;
  tags: Record<string, string>;
}

const NODE_RUNTIME = 'nodejs20.x';

/**
 * The gold API: API Gateway (REST) -> Lambda authorizer (TOKEN, cached) -> the Fastify app on Lambda,
 * throttled, access-logged. And the bronze trigger: S3 Object Created (EventBridge) -> Lambda -> Prefect.
 */
export class ServingApi extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly restApiId: pulumi.Output<string>;

  constructor(name: string, args: ServingApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:serve:ServingApi', name, args, opts);
    const parent = { parent: this };
    const tags = args.tags;
    const logGroup = (id: string, lambdaName?: pulumi.Input<string>) =>
      new aws.cloudwatch.LogGroup(
        `${name}-${id}`,
        {
          name: lambdaName ? pulumi.interpolate`/aws/lambda/${lambdaName}` : undefined,
          retentionInDays: args.logRetentionDays,
          tags,
        },
        parent,
      );
    const fnName = (id: string) => `finlake-${args.env}-${id}`;
    const lambda = (
      id: string,
      codeDir: string,
      role: aws.iam.Role,
      env: Record<string, pulumi.Input<string>>,
      memory = 512,
    ) => {
      const lg = logGroup(`${id}-logs`, fnName(id));
      return new aws.lambda.Function(
        `${name}-${id}`,
        {
          name: fnName(id),
          runtime: NODE_RUNTIME,
          architectures: ['arm64'],
          handler: 'lambda.handler', // every bundle exports `handler` from lambda.js
          code: new pulumi.asset.FileArchive(codeDir),
          role: role.arn,
          memorySize: memory,
          timeout: id === 'api' ? 28 : 10,
          environment: { variables: { NODE_OPTIONS: '--enable-source-maps', ...env } },
          loggingConfig: { logFormat: 'JSON', logGroup: lg.name },
          tracingConfig: { mode: 'Active' },
          tags,
        },
        { parent: this, dependsOn: [lg] },
      );
    };
    const lambdaRole = (
      id: string,
      inputs: pulumi.Input<string>[],
      statements: (r: string[]) => Statement[],
    ) =>
      serviceRole(
        `${name}-${id}`,
        'lambda.amazonaws.com',
        [args.accountId, ...inputs],
        ([acct, ...rest]) => [
          logsWrite(`arn:aws:logs:${args.region}:${acct}:log-group:/aws/lambda/${fnName(id)}`),
          {
            Sid: 'Tracing',
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: ['*'],
          },
          ...statements(rest),
        ],
        { parent: this, tags },
      );

    // --- The API Lambda: reads gold through Athena, nothing else.
    const apiRole = lambdaRole(
      'api',
      [
        args.workGroupArn,
        args.goldBucketArn,
        args.resultsBucketArn,
        args.kmsKeyArn,
        args.goldDatabase,
        args.accountId,
      ],
      ([wg, gold, results, key, db, acct]) => [
        athenaQueries(wg!),
        glueCatalogAccess('GoldCatalog', args.region, acct!, db!, [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetPartitions',
        ]),
        ...bucketAccess('Gold', gold!, 'read'),
        ...bucketAccess('Results', results!, 'readwrite'),
        kmsUse(key!),
      ],
    );
    const api = lambda(
      'api',
      args.apiCodeDir,
      apiRole,
      { ATHENA_WORKGROUP: args.workGroupName, GOLD_TABLE: args.goldTable, LOG_LEVEL: 'info' },
      1024,
    );
    const authorizerRole = lambdaRole('authorizer', [], () => []);
    const authorizerFn = lambda(
      'authorizer',
      args.authorizerCodeDir,
      authorizerRole,
      { JWT_ISSUER: args.jwtIssuer, JWT_AUDIENCE: 'finlake-api', JWKS_URL: args.jwksUrl },
      256,
    );

    // --- REST API: /healthz open, everything else behind the authorizer.
    const rest = new aws.apigateway.RestApi(
      `${name}-api`,
      { name: `finlake-${args.env}-gold-api`, endpointConfiguration: { types: 'REGIONAL' }, tags },
      parent,
    );
    const invokeRole = serviceRole(
      `${name}-authorizer-invoke`,
      'apigateway.amazonaws.com',
      [authorizerFn.arn],
      ([fn]) => [
        { Sid: 'InvokeAuthorizer', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [fn!] },
      ],
      { parent: this, tags },
    );
    const authorizer = new aws.apigateway.Authorizer(
      `${name}-authorizer`,
      {
        restApi: rest.id,
        type: 'TOKEN',
        identitySource: 'method.request.header.Authorization',
        identityValidationExpression: '^Bearer [-0-9A-Za-z_.]+$',
        authorizerUri: authorizerFn.invokeArn,
        authorizerCredentials: invokeRole.arn,
        authorizerResultTtlInSeconds: args.authorizerCacheSeconds,
      },
      parent,
    );
    const proxy = new aws.apigateway.Resource(
      `${name}-proxy`,
      { restApi: rest.id, parentId: rest.rootResourceId, pathPart: '{proxy+}' },
      parent,
    );
    const health = new aws.apigateway.Resource(
      `${name}-healthz`,
      { restApi: rest.id, parentId: rest.rootResourceId, pathPart: 'healthz' },
      parent,
    );
    const route = (id: string, resourceId: pulumi.Input<string>, secured: boolean) => {
      const method = new aws.apigateway.Method(
        `${name}-${id}`,
        {
          restApi: rest.id,
          resourceId,
          httpMethod: secured ? 'ANY' : 'GET',
          authorization: secured ? 'CUSTOM' : 'NONE',
          authorizerId: secured ? authorizer.id : undefined,
        },
        parent,
      );
      return new aws.apigateway.Integration(
        `${name}-${id}`,
        {
          restApi: rest.id,
          resourceId,
          httpMethod: method.httpMethod,
          type: 'AWS_PROXY',
          integrationHttpMethod: 'POST',
          uri: api.invokeArn,
        },
        parent,
      );
    };
    const integrations = [route('proxy', proxy.id, true), route('healthz', health.id, false)];
    new aws.lambda.Permission(
      `${name}-api-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: api.name,
        principal: 'apigateway.amazonaws.com',
        sourceArn: pulumi.interpolate`${rest.executionArn}/*/*`,
      },
      parent,
    );

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: rest.id,
        triggers: { redeployment: pulumi.all(integrations.map((i) => i.id)).apply((ids) => ids.join(',')) },
      },
      { parent: this, dependsOn: integrations },
    );
    const accessLogs = logGroup('access-logs');
    const stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: rest.id,
        deployment: deployment.id,
        stageName: args.env,
        xrayTracingEnabled: true,
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.authorizer.principalId',
            method: '$context.httpMethod',
            path: '$context.resourcePath',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            authorizerError: '$context.authorizer.error',
          }),
        },
        tags,
      },
      parent,
    );
    new aws.apigateway.MethodSettings(
      `${name}-throttling`,
      {
        restApi: rest.id,
        stageName: stage.stageName,
        methodPath: '*/*',
        settings: {
          throttlingRateLimit: args.throttle.rateLimit,
          throttlingBurstLimit: args.throttle.burstLimit,
          metricsEnabled: true,
          loggingLevel: 'ERROR',
          dataTraceEnabled: false,
        },
      },
      parent,
    );

    // --- Bronze trigger: S3 Object Created -> EventBridge rule -> Lambda -> one Prefect flow run per object.
    const triggerRole = lambdaRole(
      'bronze-trigger',
      [args.prefectAuthSecretArn, args.kmsKeyArn],
      ([secret, key]) => [
        {
          Sid: 'PrefectAuth',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [secret!],
        },
        { Sid: 'SecretsKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key!] },
      ],
    );
    const trigger = lambda(
      'bronze-trigger',
      args.triggerCodeDir,
      triggerRole,
      {
        PREFECT_API_URL: args.prefectApiUrl,
        PREFECT_API_AUTH_STRING_SECRET_ID: args.prefectAuthSecretArn,
        FINLAKE_TRIGGER_DEPLOYMENT: 'bronze-to-silver-fmp/bronze-to-silver-on-event',
      },
      256,
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-bronze-created`,
      {
        description: 'New bronze objects start the bronze-to-silver flow',
        eventPattern: pulumi.output(args.bronzeBucketName).apply((bucket) =>
          JSON.stringify({
            source: ['aws.s3'],
            'detail-type': ['Object Created'],
            detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: 'fmp/' }] } },
          }),
        ),
        tags,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-bronze-created`,
      {
        rule: rule.name,
        arn: trigger.arn,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-bronze-trigger-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: trigger.name,
        principal: 'events.amazonaws.com',
        sourceArn: rule.arn,
      },
      parent,
    );

    this.url = pulumi.interpolate`${stage.invokeUrl}`;
    this.restApiId = rest.id;
    this.registerOutputs({ url: this.url });
  }
}
