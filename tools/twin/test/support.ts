import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO = join(import.meta.dirname, '..', '..', '..');

/** The engine tools/scripts/docker-engine.sh started or found (DOCKER_HOST for every docker call). */
export function dockerHost(): string {
  const out = spawnSync('bash', [join(REPO, 'tools', 'scripts', 'docker-engine.sh'), 'env'], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`no Docker engine: ${out.stderr.trim()}`);
  return out.stdout.trim().replace(/^export DOCKER_HOST=/, '');
}

export function docker(
  args: string[],
  opts: { input?: string; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: (process.env.DOCKER_HOST ||= dockerHost()) },
    timeout: opts.timeout ?? 300_000,
    input: opts.input,
  });
}

/** Builds (or finds cached) every image; throws with the build's last lines when one fails. */
export function buildImages(): void {
  const out = spawnSync('bash', [join(REPO, 'tools', 'scripts', 'images.sh')], {
    encoding: 'utf8',
    timeout: 1_500_000,
  });
  if (out.status !== 0) throw new Error(`make images failed:\n${out.stderr.slice(-3000)}`);
}

/** The FMP sandbox as its own process on 127.0.0.1 (the stand-in for the live API). */
export async function startSandbox(apiKey: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [join(REPO, 'tools', 'cli', 'bin', 'finlake.mjs'), 'sandbox', 'fmp', '--port', '0', '--api-key', apiKey],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  return {
    url: (JSON.parse(first) as { url: string }).url,
    stop: () => {
      child.stdout?.destroy();
      child.kill('SIGKILL');
    },
  };
}
