import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICES } from '@finlake/platform';

// The delivery graph, checked from the workflow files themselves (GitHub is unreachable here; actionlint
// checks their syntax, this checks their meaning).
const root = join(import.meta.dirname, '..', '..', '..');
const dir = join(root, '.github', 'workflows');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Workflow;
const workflows = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => [f, load(f)]),
);
const envName = (j: Job) => (typeof j.environment === 'string' ? j.environment : j.environment?.name);
const runs = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
const needs = (j: Job) => (Array.isArray(j.needs) ? j.needs : j.needs ? [j.needs] : []);
const usesAws = (j: Job) => j.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));

describe('deploy graph', () => {
  it('previews infrastructure only on pull requests, with the policy pack, and applies nothing there', () => {
    const preview = workflows['infra-preview.yml']!;
    expect(Object.keys(preview.on)).toEqual(['pull_request']);
    const job = preview.jobs.preview!;
    expect((job as unknown as { strategy: { matrix: { stack: string[] } } }).strategy.matrix.stack).toEqual([
      'dev',
      'staging',
      'prod',
    ]);
    expect(runs(preview).join('\n')).toMatch(/pulumi-stack\.sh preview/);
    expect(runs(preview).join('\n')).not.toMatch(/pulumi-stack\.sh up|pulumi up|pulumi destroy/);
    expect(job.permissions?.['pull-requests']).toBe('write');
    expect(runs(preview).join('\n')).toMatch(/gh pr comment/);
    // The script behind it runs preview with the repo's policy pack.
    expect(readFileSync(join(root, 'tools', 'scripts', 'pulumi-stack.sh'), 'utf8')).toMatch(
      /pulumi preview[^\n]*--policy-pack policy/,
    );
  });

  it('applies only from deploy.yml on main: images, then staging, then production behind its environment', () => {
    for (const [file, w] of Object.entries(workflows))
      if (file !== 'deploy.yml')
        expect(runs(w).join('\n'), file).not.toMatch(/pulumi-stack\.sh up|pulumi up/);
    const deploy = workflows['deploy.yml']!;
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_dispatch']);
    const { images, staging, production } = deploy.jobs;
    expect(needs(staging!)).toEqual(['images']);
    expect(needs(production!)).toEqual(['staging']);
    expect(envName(staging!)).toBe('staging');
    expect(envName(production!)).toBe('production');
    const upStack = (j: Job) =>
      j.steps.map((s) => /pulumi-stack\.sh up (\w+)/.exec(s.run ?? '')?.[1]).filter(Boolean);
    expect(upStack(staging!)).toEqual(['staging']);
    expect(upStack(production!)).toEqual(['prod']);
    expect(upStack(images!)).toEqual([]);
    // Production deploys the same commit's images: promoted by SHA, never rebuilt there.
    const prodRuns = production!.steps.map((s) => s.run ?? '').join('\n');
    expect(prodRuns).toMatch(
      /promote-images\.sh "\$STAGING_REGISTRY" "\$GITHUB_SHA" "\$PROD_REGISTRY" "\$GITHUB_SHA"/,
    );
    expect(prodRuns).not.toMatch(/-t image|docker build/);
    // Blocks follow each stack's deploy.
    // Prefect as code after each `pulumi up`: pool, deployments, then blocks (with the stack's bucket).
    const stepRuns = (j: Job) => j.steps.map((st) => st.run ?? '').join('\n');
    expect(stepRuns(staging!)).toMatch(/prefect-deploy\.sh staging/);
    expect(stepRuns(production!)).toMatch(/prefect-deploy\.sh prod/);
    expect(stepRuns(production!)).toMatch(/publish-manifest\.sh prod/);
    expect(readFileSync(join(root, 'tools', 'scripts', 'prefect-deploy.sh'), 'utf8')).toMatch(
      /work-pool create[\s\S]*prefect"? --no-prompt deploy "\$\{names\[@\]\}"[\s\S]*blocks-sync\/dist\/main\.js"? --env "\$stack" --results-bucket/,
    );
  });

  it('never runs two deploys of one stack at once, and never caches a deploy', () => {
    const deploy = workflows['deploy.yml']!;
    const groups = Object.values(deploy.jobs).map((j) => j.concurrency);
    for (const g of groups) expect(g?.['cancel-in-progress']).toBe(false);
    expect(deploy.jobs.staging!.concurrency!.group).toBe('pulumi-staging');
    expect(deploy.jobs.production!.concurrency!.group).toBe('pulumi-prod');
    expect(deploy.env?.NX_SKIP_NX_CACHE).toBe('true');
    const steps = Object.values(deploy.jobs).flatMap((j) => j.steps);
    expect(steps.filter((s) => s.uses?.startsWith('actions/cache'))).toEqual([]);
    // The image targets themselves are never cached by Nx.
    for (const p of [
      'apps/fmp-ingester/package.json',
      'apps/blocks-sync/package.json',
      'apps/news-producer/package.json',
    ]) {
      const image = JSON.parse(readFileSync(join(root, p), 'utf8')).nx.targets.image;
      expect(image.cache, p).toBe(false);
    }
    for (const p of ['apps/flows/project.json', 'dbt/project.json'])
      expect(JSON.parse(readFileSync(join(root, p), 'utf8')).targets.image.cache, p).toBe(false);
  });

  it('reaches AWS by OIDC role assumption only, with id-token: write where it does', () => {
    for (const [file, w] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries(w.jobs)) {
        for (const s of job.steps.filter((x) =>
          x.uses?.startsWith('aws-actions/configure-aws-credentials'),
        )) {
          expect(s.with?.['role-to-assume'], `${file}:${name}`).toBeTruthy();
          expect(
            Object.keys(s.with ?? {}).filter((k) => /access-key|secret/.test(k)),
            `${file}:${name}`,
          ).toEqual([]);
        }
        if (usesAws(job)) expect(job.permissions?.['id-token'], `${file}:${name}`).toBe('write');
      }
      expect(JSON.stringify(w), file).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    }
  });

  it('never echoes a secret', () => {
    for (const [file, w] of Object.entries(workflows)) {
      for (const run of runs(w)) {
        // Secrets reach steps as env, never interpolated into shell text, never printed or traced.
        expect(run, file).not.toMatch(/\$\{\{\s*secrets\./);
        expect(run, file).not.toMatch(/set -x|set -o xtrace/);
      }
    }
  });

  it('rebuilds the base images when their Dockerfiles or the lockfiles change', () => {
    const base = workflows['base-image.yml']!;
    const paths = (base.on.push as { paths: string[] }).paths;
    expect(paths).toEqual(expect.arrayContaining(['docker/**', 'package-lock.json', 'uv.lock']));
  });
});

describe('Dockerfiles', () => {
  const dockerfiles = [
    'docker/base/Dockerfile',
    'docker/python/Dockerfile',
    'apps/fmp-ingester/Dockerfile',
    'apps/blocks-sync/Dockerfile',
    'apps/news-producer/Dockerfile',
    'apps/flows/Dockerfile',
    'dbt/Dockerfile',
  ];
  const read = (f: string) => readFileSync(join(root, f), 'utf8');

  it('pin every public base image by digest (a FROM or the default of the build argument it names)', () => {
    for (const f of dockerfiles) {
      const text = read(f);
      for (const from of text.match(/^FROM\s+\S+/gm) ?? []) {
        const image = from.split(/\s+/)[1]!;
        const arg = /^\$\{(\w+)\}$/.exec(image)?.[1];
        if (arg === 'BASE_IMAGE' || arg === 'PYTHON_BASE') continue; // our own bases, by digest from image.sh
        const pinned = arg ? new RegExp(`^ARG ${arg}=(\\S+)$`, 'm').exec(text)?.[1] : image;
        expect(pinned, `${f}: ${from}`).toMatch(/@sha256:[0-9a-f]{64}$/);
      }
    }
  });

  it('run as a non-root user, with multi-stage builds for the apps', () => {
    for (const f of dockerfiles) {
      const text = read(f);
      const lastStage = text.slice(text.lastIndexOf('\nFROM '));
      // The last USER of the image's final stage: a base that ends as root hands root to every image on it.
      const stage = text.includes('\nFROM ') ? lastStage : text;
      const user = [...stage.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
      expect(user, f).toMatch(/^(node|finlake|\d{4,})$/);
      if (f.startsWith('apps/') || f.startsWith('dbt/')) {
        expect((text.match(/^FROM /gm) ?? []).length, f).toBeGreaterThanOrEqual(2);
        expect(lastStage, f).toMatch(/COPY --from=build/);
      }
    }
    expect(read('docker/python/Dockerfile')).toMatch(/useradd[^\n]*finlake/);
  });

  it("run the contract's command (what a RunTask override repeats before its arguments)", () => {
    const cmd = (f: string) => JSON.parse(read(f).match(/^CMD (\[.*\])$/m)![1]!) as string[];
    expect(cmd('apps/fmp-ingester/Dockerfile')).toEqual(SERVICES.fmpIngester.command);
    expect(cmd('dbt/Dockerfile')).toEqual(SERVICES.dbt.command);
    expect(cmd('apps/news-producer/Dockerfile')).toEqual(SERVICES.newsProducer.command);
    expect(cmd('apps/flows/Dockerfile')).toEqual(SERVICES.prefectWorker.command);
    // The bundle the ingester's command runs is what its Dockerfile copies to /app.
    expect(read('apps/fmp-ingester/Dockerfile')).toMatch(
      /COPY --from=build \S+ \/src\/apps\/fmp-ingester\/dist\/ \/app\//,
    );
    expect(SERVICES.fmpIngester.command[1]).toBe('/app/main.js');
  });

  it('health-check what serves', () => {
    expect(read('apps/flows/Dockerfile')).toMatch(/^HEALTHCHECK /m);
  });
});
