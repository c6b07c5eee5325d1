import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsSettingsFromEnv, clientConfig, createClient, getSecretString, secretName } from './index.ts';
import { startMoto, type MotoServer } from './testing/index.ts';

describe('awsSettingsFromEnv', () => {
  it('defaults to AWS itself with adaptive retries', () => {
    expect(awsSettingsFromEnv({})).toEqual({
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
      maxAttempts: 5,
      retryMode: 'adaptive',
      http1: false,
    });
  });

  it('points at a stand-in over HTTP/1.1 with path-style addressing', () => {
    const s = awsSettingsFromEnv({
      AWS_REGION: 'eu-west-1',
      FINLAKE_AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    });
    expect(s).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      forcePathStyle: true,
      http1: true,
    });
    expect(clientConfig(s).requestHandler?.constructor.name).toBe('NodeHttpHandler');
  });

  it('rejects bad values with what to do', () => {
    expect(() => awsSettingsFromEnv({ AWS_ENDPOINT_URL: 'localhost:4566' })).toThrow(/not an http\(s\) URL/);
    expect(() => awsSettingsFromEnv({ AWS_MAX_ATTEMPTS: 'many' })).toThrow(
      /AWS_MAX_ATTEMPTS must be an integer/,
    );
    expect(() => awsSettingsFromEnv({ AWS_RETRY_MODE: 'legacy' })).toThrow(/standard or adaptive/);
  });
});

describe('secrets', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => moto?.stop());

  it('names secrets /{env}/{service}/{name} and refuses odd parts', () => {
    expect(secretName('prod', 'svc', 'token')).toBe('/prod/svc/token');
    expect(() => secretName('prod', '../x', 'k')).toThrow(/service/);
  });

  it('reads a secret from a Secrets Manager stand-in, and names a missing one', async () => {
    const client = createClient(SecretsManagerClient, moto.settings);
    await client.send(new CreateSecretCommand({ Name: '/dev/svc/token', SecretString: 'k-123' }));
    expect(await getSecretString(client, '/dev/svc/token')).toBe('k-123');
    await expect(getSecretString(client, '/dev/fmp/nope')).rejects.toThrow(
      /could not read secret \/dev\/fmp\/nope .*ResourceNotFoundException/,
    );
  });
});
