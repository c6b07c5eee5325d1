// `npx finlake twin` in make test: the deployed shape's seams on this machine. A seam that fails, or a
// stand-in that is missing, fails this test: a skipped twin is a failed twin.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildImages, REPO } from './support.ts';

describe('the AWS twin', () => {
  beforeAll(() => buildImages());

  it('holds every seam of the staging stack it renders', () => {
    const run = spawnSync(join(REPO, '.venv', 'bin', 'python'), ['-m', 'aws_twin', '--stack', 'staging'], {
      cwd: join(REPO, 'tools', 'twin'),
      encoding: 'utf8',
      timeout: 1_140_000,
      env: { ...process.env, PYTHONPATH: join(REPO, 'tools', 'twin') },
    });
    const lines = run.stdout.split('\n').filter((l) => /^(pass|FAIL) /.test(l));
    expect(run.status, `${run.stdout}\n${run.stderr.slice(-3000)}`).toBe(0);
    console.log(lines.join('\n')); // the seams, in the test log
    expect(lines.length).toBeGreaterThanOrEqual(16);
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    // Five to six minutes alone; under CI's load (two test tasks at once) it has taken over ten.
  }, 1_200_000);
});
