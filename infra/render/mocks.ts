import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import type { PolicyResource } from '../policy/rules.ts';

export const ACCOUNT = '123456789012';

export interface Recorded extends PolicyResource {
  inputs: Record<string, unknown>;
}

/** The stack's committed config as the engine would hand it over (PULUMI_CONFIG), plus test values. */
export function stackConfig(stack: string, extra: Record<string, string> = {}): Record<string, string> {
  const file = parse(readFileSync(join(import.meta.dirname, '..', `Pulumi.${stack}.yaml`), 'utf8')) as {
    config: Record<string, unknown>;
  };
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.config)) flat[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { ...flat, 'finlake:imageTag': '0123abc', ...extra };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider inputs are untyped here
type Inputs = Record<string, any>;

/** What the mocked provider answers: the inputs plus the computed fields the program reads. */
function mockState(
  type: string,
  name: string,
  inputs: Inputs,
): { id: string; state: Record<string, unknown> } {
  const region = 'us-east-1';
  const svc = type.split(':')[1]!.split('/')[0]!;
  const id = type === 'aws:s3/bucket:Bucket' ? (inputs.bucket ?? `${name}-bucket`) : `${name}-id`;
  const state: Record<string, unknown> = { ...inputs, arn: `arn:aws:${svc}:${region}:${ACCOUNT}:${name}` };
  switch (type) {
    case 'aws:s3/bucket:Bucket':
      Object.assign(state, { bucket: id, arn: `arn:aws:s3:::${id}` });
      break;
    case 'aws:ecr/repository:Repository':
      state.repositoryUrl = `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${inputs.name}`;
      break;
    case 'aws:rds/instance:Instance':
      Object.assign(state, { address: `${name}.abc.${region}.rds.amazonaws.com`, port: 5432 });
      break;
    case 'aws:lb/loadBalancer:LoadBalancer':
      Object.assign(state, { dnsName: `${name}.${region}.elb.amazonaws.com`, zoneId: 'Z35SXDOTRQ7X7K' });
      break;
    case 'aws:acm/certificate:Certificate':
      state.domainValidationOptions = [
        {
          domainName: inputs.domainName,
          resourceRecordName: `_x.${inputs.domainName}.`,
          resourceRecordType: 'CNAME',
          resourceRecordValue: '_y.acm-validations.aws.',
        },
      ];
      break;
    case 'aws:acm/certificateValidation:CertificateValidation':
      state.certificateArn = inputs.certificateArn;
      break;
    case 'aws:route53/record:Record':
      state.fqdn = inputs.name;
      break;
    case 'aws:random/randomPassword:RandomPassword':
    case 'random:index/randomPassword:RandomPassword':
      state.result = 'mock-password-0000000000000000';
      break;
    case 'aws:lambda/function:Function':
      state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
      break;
    case 'aws:apigateway/restApi:RestApi':
      Object.assign(state, {
        rootResourceId: 'root',
        executionArn: `arn:aws:execute-api:${region}:${ACCOUNT}:${id}`,
      });
      break;
    case 'aws:apigateway/stage:Stage':
      state.invokeUrl = `https://${inputs.restApi}.execute-api.${region}.amazonaws.com/${inputs.stageName}`;
      break;
    case 'aws:iam/role:Role':
      state.name = name;
      break;
    case 'aws:ecs/cluster:Cluster':
      state.name = name;
      break;
    case 'aws:kms/key:Key':
      state.keyId = `${name}-key-id`;
      break;
  }
  if (state.name === undefined && !type.startsWith('aws:iam/rolePolicy')) state.name = inputs.name ?? name;
  return { id, state };
}

/**
 * Runs a Pulumi program under mocks with a strict `call` mock (anything not listed throws) and records
 * every resource: type, name, URN, id, inputs and the mocked state (`props`, as a policy pack sees them).
 */
export async function runUnderMocks(
  stack: string,
  load: () => Promise<Record<string, unknown>>,
  config: Record<string, string>,
  secretKeys: string[] = [],
) {
  const resources: Recorded[] = [];
  const calls: string[] = [];
  // As the engine hands config to a program: PULUMI_CONFIG (and the secret keys) in the environment.
  process.env.PULUMI_CONFIG = JSON.stringify(config);
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = mockState(args.type, args.name, args.inputs);
        resources.push({
          type: args.type,
          name: args.name,
          urn: `urn:pulumi:${stack}::finlake::${args.type}::${args.name}`,
          id,
          props: { ...state, id },
          inputs: args.inputs,
        });
        return { id, state };
      },
      call(args) {
        calls.push(args.token);
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity')
          return {
            accountId: ACCOUNT,
            arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
            userId: 'AIDAMOCK',
            id: ACCOUNT,
          };
        // The deployer: a user's ARN is its own principal (a session's would be its role's).
        if (args.token === 'aws:iam/getSessionContext:getSessionContext')
          return { arn: args.inputs.arn, issuerArn: args.inputs.arn, issuerName: 'ci', issuerId: 'AIDAMOCK' };
        throw new Error(
          `unmocked provider call ${args.token}: mock it deliberately in infra/test/harness.ts`,
        );
      },
    },
    'finlake',
    stack,
    false,
  );
  const program = await load();
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await resolve(value);
  // Children register asynchronously: wait until the count settles.
  for (let last = -1; last !== resources.length; ) {
    last = resources.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { resources, outputs, calls };
}

async function resolve(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return new Promise((r) => (value as pulumi.Output<unknown>).apply(r));
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolve(v);
    return out;
  }
  return value;
}

export const ofType = (rs: Recorded[], type: string) => rs.filter((r) => r.type === type);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
export const parseJson = <T = any>(v: unknown): T => JSON.parse(String(v)) as T;
