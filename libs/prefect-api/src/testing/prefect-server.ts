import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from '@finlake/aws/testing';

export interface PrefectServer {
  apiUrl: string;
  /** Set when the server was started with one (PREFECT_SERVER_API_AUTH_STRING). */
  authString?: string;
  stop(): Promise<void>;
}

/** A real Prefect server (SQLite, a throwaway home) on 127.0.0.1, from the repo's Python environment. */
export async function startPrefectServer(options: { authString?: string } = {}): Promise<PrefectServer> {
  const bin = join(repoRoot(), '.venv', 'bin', 'prefect');
  if (!existsSync(bin)) throw new Error(`${bin} not found: run \`make setup\``);
  const home = mkdtempSync(join(tmpdir(), 'prefect-home-'));
  const port = await freePort();
  const child = spawn(bin, ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env: {
      ...process.env,
      PREFECT_HOME: home,
      PREFECT_API_DATABASE_CONNECTION_URL: `sqlite+aiosqlite:///${join(home, 'prefect.db')}`,
      PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
      PREFECT_SERVER_UI_ENABLED: 'false',
      ...(options.authString ? { PREFECT_SERVER_API_AUTH_STRING: options.authString } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const apiUrl = `http://127.0.0.1:${port}/api`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prefect server exited: ${stderr.slice(-2000)}`);
    try {
      const headers: Record<string, string> = options.authString
        ? { authorization: `Basic ${Buffer.from(options.authString).toString('base64')}` }
        : {};
      if ((await fetch(`${apiUrl}/health`, { headers })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prefect server did not start in 90 s: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    apiUrl,
    authString: options.authString,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(home, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
