import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AwsClientSettings } from '../clients.ts';

/** A free TCP port on 127.0.0.1, picked by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The repository root (the folder holding nx.json), for helpers that start the repo's tools. */
export function repoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = join(dir, '..');
    if (parent === dir) throw new Error('not inside the finlake repository');
    dir = parent;
  }
  return dir;
}

export interface MotoServer {
  endpoint: string;
  settings: AwsClientSettings;
  stop(): Promise<void>;
}

/**
 * Starts moto's server (a real HTTP server speaking the AWS wire protocols) on 127.0.0.1,
 * from the repo's Python environment. `make setup` installs it.
 */
export async function startMoto(): Promise<MotoServer> {
  const bin = join(repoRoot(), '.venv', 'bin', 'moto_server');
  if (!existsSync(bin))
    throw new Error(`${bin} not found: run \`make setup\` to install the Python environment`);
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    settings: {
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      http1: true,
      maxAttempts: 2,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
