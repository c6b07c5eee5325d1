import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type UserConfig } from 'vitest/config';

/**
 * One vitest config for every TS project: in-repo imports resolve to source through the
 * `@finlake/source` export condition, so tests never need a prior build.
 */
export function projectTestConfig(projectRoot: string, overrides: UserConfig['test'] = {}): UserConfig {
  // JUnit reports feed the one-line summary of `make test` (tools/scripts/test-summary.mjs).
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
  const project: string = pkg.nx?.name ?? pkg.name.replace(/^@finlake\//, '');
  const report = join(import.meta.dirname, 'dist', 'test-reports', `${project}.vitest.xml`);
  return defineConfig({
    root: projectRoot,
    resolve: { conditions: ['@finlake/source'] },
    ssr: { resolve: { conditions: ['@finlake/source'] } },
    test: {
      globals: true,
      environment: 'node',
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      reporters: ['default', 'junit'],
      outputFile: { junit: report },
      testTimeout: 20_000,
      ...overrides,
    },
  });
}
