import { projectTestConfig } from '../../vitest.shared.ts';

// Image builds and container runs: the first build on a new machine takes minutes (then cached).
export default projectTestConfig(import.meta.dirname, {
  globalSetup: ['test/global-setup.ts'],
  hookTimeout: 1_500_000,
  testTimeout: 300_000,
  fileParallelism: false,
});
