import { type UserConfig } from 'vitest/config';
/**
 * One vitest config for every TS project: in-repo imports resolve to source through the
 * `@finlake/source` export condition, so tests never need a prior build.
 */
export declare function projectTestConfig(projectRoot: string, overrides?: UserConfig['test']): UserConfig;
//# sourceMappingURL=vitest.shared.d.ts.map
