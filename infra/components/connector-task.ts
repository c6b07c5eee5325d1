import type * as pulumi from '@pulumi/pulumi';
import { BATCH_DATASETS, bronzeWriterPrefixes } from '@finlake/platform';
import { bucketAccess, kmsUse, secretRead, type Statement } from './iam.ts';

/**
 * The `fmp-ingester` task role: writes bronze exactly under the prefixes the connector's key functions
 * produce (its datasets' data and run manifests, from the platform contract) and reads its one secret
 * (the connector fetches it itself via FMP_API_KEY_SECRET_ID, so the key never sits in the task definition).
 */
export function connectorStatements(
  bronzeArn: string,
  kmsKeyArn: string,
  apiKeySecretArn: string,
): Statement[] {
  const prefixes = BATCH_DATASETS.filter((d) => d.source === 'fmp').flatMap(bronzeWriterPrefixes);
  return [
    ...bucketAccess('Bronze', bronzeArn, 'readwrite', prefixes),
    kmsUse(kmsKeyArn),
    secretRead('FmpApiKey', [apiKeySecretArn]),
  ];
}

export const connectorAccess = (
  bronzeArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  apiKeySecretArn: pulumi.Input<string>,
) => ({
  inputs: [bronzeArn, kmsKeyArn, apiKeySecretArn],
  statements: ([b, k, s]: string[]) => connectorStatements(b!, k!, s!),
});
