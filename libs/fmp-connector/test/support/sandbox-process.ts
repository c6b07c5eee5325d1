import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { sandboxStatsSchema, type SandboxStats } from '@finlake/schemas/testing';
import { Value } from 'typebox/value';

export const REPO = join(import.meta.dirname, '..', '..', '..', '..');
export const FINLAKE_BIN = join(REPO, 'tools', 'cli', 'bin', 'finlake.mjs');

export type { SandboxStats };

export interface SandboxProcess {
  url: string;
  apiKey: string;
  stats(): Promise<SandboxStats>;
  setFaults(faults: Record<string, number>): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the FMP sandbox as its own process (`finlake sandbox fmp`), a real HTTP server on
 * 127.0.0.1, the way the connector meets the live API: over the wire, nothing shared in memory.
 */
export async function startSandbox(args: string[] = []): Promise<SandboxProcess> {
  const apiKey = 'test-key';
  const child: ChildProcess = spawn(
    process.execPath,
    [FINLAKE_BIN, 'sandbox', 'fmp', '--port', '0', '--api-key', apiKey, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line).url);
    });
  });
  const admin = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${url}/__sandbox/${path}`, init);
    if (!res.ok) throw new Error(`sandbox admin ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url,
    apiKey,
    stats: async () => {
      const body: unknown = await admin('stats');
      if (!Value.Check(sandboxStatsSchema, body))
        throw new Error(`sandbox stats do not match their schema: ${JSON.stringify(body).slice(0, 200)}`);
      return body;
    },
    setFaults: async (faults) =>
      void (await admin('faults', { method: 'PUT', body: JSON.stringify(faults) })),
    reset: async () => void (await admin('reset', { method: 'POST' })),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
