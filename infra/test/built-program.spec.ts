// The artefact `pulumi preview/up` runs is dist/index.js (Pulumi.yaml `main`), compiled and resolving the
// workspace libs through their built exports: load that, not the sources. The test target builds first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../policy/rules.ts';
import { runUnderMocks, stackConfig } from './harness.ts';

describe('the built program (what Pulumi runs)', () => {
  it('loads from dist with the staging config and passes the policy pack', async () => {
    const built = join(import.meta.dirname, '..', 'dist', 'index.js');
    expect(existsSync(built), 'run npx nx run infra:build').toBe(true);
    const { resources, outputs } = await runUnderMocks(
      'staging',
      () => import(built),
      stackConfig('staging'),
    );
    expect(resources.length).toBeGreaterThan(150);
    expect(outputs.glueJobName).toBe('finlake-staging-bronze-to-silver');
    for (const rule of RULES) expect(rule.check(resources), rule.name).toEqual([]);
  });
});
