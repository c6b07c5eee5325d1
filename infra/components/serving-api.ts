import type { DataLake } from './data-lake.ts';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { athenaQueries, bucketAccess, glueCatalogAccess, kmsUse } from './iam.ts';
import { nodeLambda } from './lambda-fn.ts';
import { serviceRole } from './security.ts';

export interface ServingApiArgs {
  env: string;
  /** The API reads the served gold through Athena (its workgroup, the served table, the results bucket). */
  lake: DataLake;
  region: string;
  accountId: pulumi.Input<string>;
  /** Built Lambda folders: apps/serving-api/dist/lambda, apps/api-authorizer/dist. */
  apiCodeDir: string;
  authorizerCodeDir: string;
  jwtIssuer: string;
  jwksUrl: string;
  /** API Gateway caches an authorizer decision per token this long (REST default 300 s). */
  authorizerCacheSeconds: number;
  throttle: { rateLimit: number; burstLimit: number };
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * The gold API: API Gateway (REST) -> Lambda authorizer (TOKEN, cached) -> the Fastify app on Lambda,
 * throttled, access-logged.
 */
export class ServingApi extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly restApiId: pulumi.Output<string>;
  /** API Gateway's metric dimensions (ApiName, Stage), for the 5xx alarm. */
  readonly apiName: pulumi.Output<string>;
  readonly stageName: pulumi.Output<string>;
  /** The API Lambda's role: Lake Formation grants it every gold column. */
  readonly apiRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ServingApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:serve:ServingApi', name, args, opts);
    const parent = { parent: this };
    const tags = args.tags;
    const logGroup = (id: string) =>
      new aws.cloudwatch.LogGroup(`${name}-${id}`, { retentionInDays: args.logRetentionDays, tags }, parent);
    const common = {
      env: args.env,
      region: args.region,
      accountId: args.accountId,
      logRetentionDays: args.logRetentionDays,
      tags,
    };

    // --- The API Lambda: reads gold through Athena, nothing else.
    const { fn: api, role: apiRole } = nodeLambda(this, name, {
      ...common,
      id: 'api',
      service: 'servingApi',
      codeDir: args.apiCodeDir,
      environment: {
        ATHENA_WORKGROUP: args.lake.workGroupName,
        GOLD_TABLE: args.lake.goldTable,
        LOG_LEVEL: 'info',
      },
      access: {
        inputs: [
          args.lake.workGroupArn,
          args.lake.gold.arn,
          args.lake.athenaResults.arn,
          args.lake.kmsKeyArn,
          args.lake.goldDatabase,
          args.accountId,
        ],
        statements: ([wg, gold, results, key, db, acct]) => [
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
      },
      memory: 1024,
      timeoutSeconds: 28,
    });
    const { fn: authorizerFn } = nodeLambda(this, name, {
      ...common,
      id: 'authorizer',
      service: 'apiAuthorizer',
      codeDir: args.authorizerCodeDir,
      environment: { JWT_ISSUER: args.jwtIssuer, JWT_AUDIENCE: 'finlake-api', JWKS_URL: args.jwksUrl },
      access: { inputs: [], statements: () => [] },
      memory: 256,
      timeoutSeconds: 10,
    });

    const { rest, stage } = restApi(this, name, {
      env: args.env,
      api,
      authorizer: authorizerFn,
      authorizerCacheSeconds: args.authorizerCacheSeconds,
      throttle: args.throttle,
      accessLogs: logGroup('access-logs'),
      tags,
    });
    this.url = pulumi.interpolate`${stage.invokeUrl}`;
    this.restApiId = rest.id;
    this.apiRoleArn = apiRole.arn;
    this.apiName = rest.name;
    this.stageName = stage.stageName;
    this.registerOutputs({ url: this.url });
  }
}

/** The REST API: /healthz open, `{proxy+}` behind the TOKEN authorizer (cached), throttled, access-logged. */
function restApi(
  self: pulumi.Resource,
  name: string,
  a: {
    env: string;
    api: aws.lambda.Function;
    authorizer: aws.lambda.Function;
    authorizerCacheSeconds: number;
    throttle: { rateLimit: number; burstLimit: number };
    accessLogs: aws.cloudwatch.LogGroup;
    tags: Record<string, string>;
  },
): { rest: aws.apigateway.RestApi; stage: aws.apigateway.Stage } {
  const parent = { parent: self };
  const tags = a.tags;
  const api = a.api;
  const authorizerFn = a.authorizer;
  const args = { env: a.env, authorizerCacheSeconds: a.authorizerCacheSeconds, throttle: a.throttle };
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
    { parent: self, tags },
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
    { parent: self, dependsOn: integrations },
  );
  const accessLogs = a.accessLogs;
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

  return { rest, stage };
}
