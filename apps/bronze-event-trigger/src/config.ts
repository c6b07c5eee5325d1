import Type from 'typebox';
import { setting } from '@finlake/config';
import { DEPLOYMENTS, deploymentPath } from '@finlake/platform';

/** The trigger's configuration (the BronzeTrigger Pulumi component sets it), checked once per cold start. */
export const triggerConfigSpec = {
  prefectApiUrl: setting({
    env: 'PREFECT_API_URL',
    schema: Type.String({ pattern: '^https?://[^\\s]+/api$' }),
    expected: 'the Prefect API of this stack, e.g. https://prefect.<domain>/api',
  }),
  authSecretId: setting({
    env: 'PREFECT_API_AUTH_STRING_SECRET_ID',
    schema: Type.String({ pattern: '^(arn:aws[a-z-]*:secretsmanager:|/)' }),
    expected: 'the Secrets Manager ARN or name of the server`s basic-auth string',
    default: '',
  }),
  authString: setting({
    env: 'PREFECT_API_AUTH_STRING',
    schema: Type.String({ pattern: '^[^:\\s]+:[^\\s]+$' }),
    expected: 'user:password (locally; in AWS the secret above)',
    default: '',
    secret: true,
  }),
  deployment: setting({
    env: 'FINLAKE_TRIGGER_DEPLOYMENT',
    schema: Type.String({ pattern: '^[a-z0-9-]+/[a-z0-9-]+$' }),
    expected: 'flow-name/deployment-name of the deployment to start per landed batch',
    default: deploymentPath(DEPLOYMENTS.bronzeToSilverOnEvent),
  }),
};
