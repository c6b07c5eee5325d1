import { defineConfig, type UserConfig } from 'vitest/config';

/**
 * One vitest config for every TS project: in-repo imports resolve to source through the
 * `@finlake/source` export condition, so tests never need a prior build.
 */
export function projectTestConfig(projectRoot: string, overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    root: projectRoot,
    resolve: { conditions: ['@finlake/source'] },
    ssr: { resolve: { conditions: ['@finlake/source'] } },
    test: {
      globals: true,
      environment: 'node',
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      reporters: ['default'],
      testTimeout: 20_000,
      ...overrides,
    },
  });
}
