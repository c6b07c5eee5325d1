export { awsSettingsFromEnv, clientConfig, createClient, type AwsClientSettings } from './clients.ts';
export { getSecretString, secretName } from './secrets.ts';
