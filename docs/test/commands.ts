// The shell commands a page tells a reader to run, checked against what exists: `npx finlake` against the
// real CLI's `--help` (every subcommand and option named must exist), `make` against the Makefile's
// targets, `npx nx run|g` against the workspace's projects and generators, `bash <script>` against the file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
const CHECKED = /^(npx finlake|make|npx nx|bash tools\/)/;

/** Lines of the page's bash code blocks that run a project command (env assignments stripped). */
export function commandsOf(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/```(?:bash|sh|shell)\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      const line = raw
        .replace(/\s+#.*$/, '')
        .trim()
        .replace(/^([A-Z_][A-Z0-9_]*=\S*\s+)+/, '');
      if (CHECKED.test(line)) out.push(line);
    }
  }
  return out;
}

/** Shell words, quotes removed (no expansion: `$X` stays as written). */
export function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const helpCache = new Map<string, { status: number; text: string }>();
function cliHelp(chain: string[]): { status: number; text: string } {
  const key = chain.join(' ');
  if (!helpCache.has(key)) {
    const out = spawnSync(
      process.execPath,
      [join(REPO, 'tools', 'cli', 'bin', 'finlake.mjs'), ...chain, '--help'],
      {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    helpCache.set(key, { status: out.status ?? 1, text: `${out.stdout}${out.stderr}` });
  }
  return helpCache.get(key)!;
}

/** The subcommand names commander lists under `Commands:` in a help text. */
function subcommands(help: string): string[] {
  const section = help.split(/\nCommands:\n/)[1];
  if (!section) return [];
  return [...section.matchAll(/^ {2}([a-z][a-z0-9-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

function checkFinlake(args: string[]): string[] {
  const chain: string[] = [];
  let help = cliHelp(chain);
  for (const w of args) {
    if (w.startsWith('-') || !subcommands(help.text).includes(w)) break;
    chain.push(w);
    help = cliHelp(chain);
  }
  const name = `finlake ${chain.join(' ')}`.trim();
  if (help.status !== 0) return [`${name} --help exited ${help.status}: ${help.text.slice(0, 300)}`];
  const problems: string[] = [];
  const rest = args.slice(chain.length);
  const groups = subcommands(help.text);
  if (groups.length && !rest.includes('--help') && !rest.includes('-h'))
    problems.push(`${name} is a group: name one of its commands (${groups.join(', ')})`);
  for (const w of rest.filter((x) => x.startsWith('--'))) {
    const option = w.split('=')[0]!;
    if (option !== '--help' && !new RegExp(`(^|[\\s,])${option}(\\s|,|=|$)`, 'm').test(help.text))
      problems.push(`${name} has no option ${option} (see npx ${name} --help)`);
  }
  return problems;
}

const makeTargets = () =>
  new Set(
    [...readFileSync(join(REPO, 'Makefile'), 'utf8').matchAll(/^([a-z][a-z0-9-]*):/gm)].map((m) => m[1]!),
  );

const projectTargets = new Map<string, string[] | undefined>();
function targetsOf(project: string): string[] | undefined {
  if (!projectTargets.has(project)) {
    const out = spawnSync('npx', ['nx', 'show', 'project', project, '--json'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    projectTargets.set(
      project,
      out.status === 0 ? Object.keys((JSON.parse(out.stdout) as { targets: object }).targets) : undefined,
    );
  }
  return projectTargets.get(project);
}

/** `nx g`'s own flags, which every generator takes. */
const NX_GENERATE_FLAGS = ['dry-run', 'no-interactive', 'interactive', 'verbose', 'quiet', 'help'];

function checkNx(args: string[]): string[] {
  const [verb, what] = args;
  if (verb === 'run' && what) {
    const [project, target] = what.split(':') as [string, string];
    const targets = targetsOf(project);
    if (!targets) return [`nx has no project ${project}`];
    return targets.includes(target)
      ? []
      : [`project ${project} has no target ${target} (${targets.join(', ')})`];
  }
  if ((verb === 'g' || verb === 'generate') && what) {
    const [plugin, generator] = what.split(':') as [string, string];
    const pkg = plugin === '@finlake/workspace' ? join(REPO, 'tools', 'workspace-plugin') : undefined;
    if (!pkg || !existsSync(join(pkg, 'generators.json'))) return [`no local Nx plugin ${plugin}`];
    const generators = (
      JSON.parse(readFileSync(join(pkg, 'generators.json'), 'utf8')) as {
        generators: Record<string, { schema: string }>;
      }
    ).generators;
    const entry = generators[generator];
    if (!entry) return [`${plugin} has no generator ${generator}`];
    // Its options: the generator schema's properties (and their values when it lists them), plus nx g's own.
    const schema = JSON.parse(readFileSync(join(pkg, entry.schema), 'utf8')) as {
      properties: Record<string, { enum?: string[] }>;
    };
    const problems: string[] = [];
    const rest = args.slice(2);
    rest.forEach((w, i) => {
      if (!w.startsWith('--')) return;
      const [option, inline] = w.slice(2).split('=') as [string, string | undefined];
      if (NX_GENERATE_FLAGS.includes(option)) return;
      const property = schema.properties[option];
      if (!property) return void problems.push(`${what} has no option --${option} (${entry.schema})`);
      const value = inline ?? rest[i + 1];
      if (property.enum && !property.enum.includes(value ?? ''))
        problems.push(`${what} --${option} ${value} is not one of ${property.enum.join(', ')}`);
    });
    return problems;
  }
  return [];
}

/** What is wrong with a documented command: empty when it exists as written. */
export function checkCommand(line: string): string[] {
  const w = words(line);
  if (w[0] === 'npx' && w[1] === 'finlake') return checkFinlake(w.slice(2));
  if (w[0] === 'npx' && w[1] === 'nx') return checkNx(w.slice(2));
  if (w[0] === 'make') {
    const targets = makeTargets();
    return w
      .slice(1)
      .filter((t) => !t.includes('=') && !targets.has(t))
      .map((t) => `the Makefile has no target ${t}`);
  }
  if (w[0] === 'bash') return existsSync(join(REPO, w[1]!)) ? [] : [`no script ${w[1]}`];
  return [];
}
