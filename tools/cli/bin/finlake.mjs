#!/usr/bin/env node
// Runs the CLI straight from its TypeScript sources: tsx compiles on the fly and a resolve hook
// adds the `@finlake/source` export condition, so in-repo packages resolve to their src/.
// No build step stands between a change and `npx finlake`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npx finlake` starts whatever `node` is first on the caller's PATH; the platform runs on the pinned
// Node (.node-version), which `make setup` installs into .tools/node when the machine's is older.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const pinned = join(root, '.tools', 'node', 'bin', 'node');
const wanted = readFileSync(join(root, '.node-version'), 'utf8').trim();
if (process.versions.node !== wanted && existsSync(pinned)) {
  const bin = join(dirname(pinned));
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  // A signal to this process (a test stopping its sandbox) is the child's: it must not outlive us.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  const [code, signal] = await new Promise((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
register('./source-condition.mjs', import.meta.url);
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
