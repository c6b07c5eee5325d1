import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dockerHost, REPO } from './support.ts';

const ENGINE = join(REPO, 'tools', 'scripts', 'docker-engine.sh');

/** Finds or starts the Docker engine for every spec; stops it afterwards only if this run started it. */
export function setup(): () => void {
  const before = spawnSync('docker', ['version'], { env: process.env, stdio: 'ignore' }).status === 0;
  process.env.DOCKER_HOST = dockerHost();
  return () => {
    if (!before) spawnSync('bash', [ENGINE, 'stop'], { stdio: 'inherit' });
  };
}
