import { ofType, runUnderMocks } from './harness.ts';
import { RULES } from '../policy/rules.ts';

describe('bootstrap program (Pulumi state backend)', () => {
  it('creates a versioned, KMS-encrypted, non-public, logged state bucket with a rotating key', async () => {
    const { resources, outputs } = await runUnderMocks('bootstrap', () => import('../bootstrap/index.ts'), {
      'aws:region': 'us-east-1',
    });
    for (const rule of RULES) expect(rule.check(resources), rule.name).toEqual([]);
    const sse = ofType(
      resources,
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
    );
    expect(sse.some((s) => JSON.stringify(s.inputs).includes('aws:kms'))).toBe(true);
    expect(ofType(resources, 'aws:kms/key:Key')[0]!.inputs.enableKeyRotation).toBe(true);
    expect(outputs.loginCommand).toMatch(/^pulumi login s3:\/\//);
    expect(outputs.secretsProvider).toBe('awskms://alias/finlake-pulumi');
  });
});
