import type { DataLake } from './data-lake.ts';
import type { PrefectServer } from './prefect-server.ts';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DEPLOYMENTS, BATCH_DATASETS, deploymentPath, eventManifestsPrefix } from '@finlake/platform';
import { nodeLambda } from './lambda-fn.ts';

export interface BronzeTriggerArgs {
  env: string;
  /** Bronze's Object Created events; the Prefect API (and its auth string) the trigger calls. */
  lake: Pick<DataLake, 'bronze' | 'kmsKeyArn'>;
  prefect: Pick<PrefectServer, 'url' | 'authStringSecretArn'>;
  region: string;
  accountId: pulumi.Input<string>;
  /** apps/bronze-event-trigger/dist */
  codeDir: string;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/** The rule's pattern: Object Created in bronze for the run manifests that hand their batch to an event. */
export function bronzeTriggerPattern(bucket: string) {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [bucket] },
      object: { key: BATCH_DATASETS.map((d) => ({ prefix: eventManifestsPrefix(d) })) },
    },
  };
}

/**
 * S3 Object Created (bronze, EventBridge) -> rule on the event-handoff run manifests -> the trigger Lambda
 * -> one bronze-to-silver flow run per landed batch (the manifest is written last), idempotent per object.
 */
export class BronzeTrigger extends pulumi.ComponentResource {
  readonly ruleName: pulumi.Output<string>;
  readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: BronzeTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:ingest:BronzeTrigger', name, args, opts);
    const parent = { parent: this };
    const { fn } = nodeLambda(this, name, {
      env: args.env,
      region: args.region,
      accountId: args.accountId,
      id: 'bronze-trigger',
      service: 'bronzeTrigger',
      codeDir: args.codeDir,
      environment: {
        PREFECT_API_URL: args.prefect.url,
        PREFECT_API_AUTH_STRING_SECRET_ID: args.prefect.authStringSecretArn,
        FINLAKE_TRIGGER_DEPLOYMENT: deploymentPath(DEPLOYMENTS.bronzeToSilverOnEvent),
      },
      access: {
        inputs: [args.prefect.authStringSecretArn, args.lake.kmsKeyArn],
        statements: ([secret, key]) => [
          {
            Sid: 'PrefectAuth',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue'],
            Resource: [secret!],
          },
          { Sid: 'SecretsKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key!] },
        ],
      },
      memory: 256,
      timeoutSeconds: 10,
      logRetentionDays: args.logRetentionDays,
      tags: args.tags,
    });
    const rule = new aws.cloudwatch.EventRule(
      `${name}-bronze-created`,
      {
        description: 'A landed bronze batch (its run manifest) starts one bronze-to-silver flow run',
        eventPattern: pulumi
          .output(args.lake.bronze.name)
          .apply((b) => JSON.stringify(bronzeTriggerPattern(b))),
        tags: args.tags,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-bronze-created`,
      {
        rule: rule.name,
        arn: fn.arn,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: fn.name,
        principal: 'events.amazonaws.com',
        sourceArn: rule.arn,
      },
      parent,
    );
    this.ruleName = rule.name;
    this.functionName = fn.name;
    this.registerOutputs({ ruleName: this.ruleName, functionName: this.functionName });
  }
}
