import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Settings shared by every AWS SDK v3 client the platform creates. Endpoint overrides point a
 * client at a local stand-in (moto, kinesalite) on 127.0.0.1; some stand-ins only speak
 * HTTP/1.1, so `http1` swaps in NodeHttpHandler (the Kinesis client defaults to HTTP/2).
 */
export interface AwsClientSettings {
  region: string;
  endpoint?: string;
  /** S3 stand-ins need path-style addressing (bucket in the path, not the host). */
  forcePathStyle?: boolean;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  http1?: boolean;
  /** Per-request socket timeout in ms. */
  requestTimeoutMs?: number;
  /** Static credentials, only for local stand-ins; in AWS the default provider chain (task role) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const ENDPOINT = /^https?:\/\/[^\s/]+(\/.*)?$/;

/**
 * Reads the settings from the environment: AWS_REGION (or AWS_DEFAULT_REGION),
 * FINLAKE_AWS_ENDPOINT_URL / AWS_ENDPOINT_URL for stand-ins, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE.
 */
export function awsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsClientSettings {
  const endpoint = env.FINLAKE_AWS_ENDPOINT_URL ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && !ENDPOINT.test(endpoint)) {
    throw new Error(
      `AWS endpoint override ${JSON.stringify(endpoint)} is not an http(s) URL; unset it to use AWS`,
    );
  }
  const maxAttempts = env.AWS_MAX_ATTEMPTS === undefined ? 5 : Number(env.AWS_MAX_ATTEMPTS);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    throw new Error(
      `AWS_MAX_ATTEMPTS must be an integer from 1 to 20, got ${JSON.stringify(env.AWS_MAX_ATTEMPTS)}`,
    );
  }
  const retryMode = env.AWS_RETRY_MODE ?? 'adaptive';
  if (retryMode !== 'standard' && retryMode !== 'adaptive') {
    throw new Error(`AWS_RETRY_MODE must be standard or adaptive, got ${JSON.stringify(retryMode)}`);
  }
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint,
    forcePathStyle: endpoint !== undefined,
    maxAttempts,
    retryMode,
    http1: endpoint !== undefined,
  };
}

/** The constructor options every SDK v3 client accepts, built from the settings. */
export function clientConfig(settings: AwsClientSettings) {
  const needsHandler = settings.http1 === true || settings.requestTimeoutMs !== undefined;
  return {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? 5,
    retryMode: settings.retryMode ?? 'adaptive',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.forcePathStyle ? { forcePathStyle: true } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(needsHandler
      ? { requestHandler: new NodeHttpHandler({ requestTimeout: settings.requestTimeoutMs ?? 30_000 }) }
      : {}),
  };
}

// SDK v3 client constructors take an optional config: `new S3Client(config?)`.
type ClientCtor<C, O> = new (...args: [] | [O]) => C;

/** `createClient(S3Client, settings)`: one place that decides how the platform talks to AWS. */
export function createClient<C, O>(
  Client: ClientCtor<C, O>,
  settings: AwsClientSettings = awsSettingsFromEnv(),
): C {
  return new Client(clientConfig(settings) as O);
}
