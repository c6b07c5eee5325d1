// A temporary copy of the workspace to generate into: the checkout's files (tracked and new, not ignored),
// the installed environments linked in (node_modules with the workspace's own packages pointing at the
// copy, the Python environment and the pinned tools), so the copy builds, tests and runs like the checkout.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..', '..');

/** The workspace packages: name -> folder (relative to the root), from the root's `workspaces` globs. */
function workspacePackages(root: string): Map<string, string> {
  const globs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  const found = new Map<string, string>();
  for (const g of globs) {
    const dirs = g.endsWith('/*')
      ? readdirSync(join(root, g.slice(0, -2))).map((d) => join(g.slice(0, -2), d))
      : [g];
    for (const d of dirs) {
      const pkg = join(root, d, 'package.json');
      if (existsSync(pkg)) found.set((JSON.parse(readFileSync(pkg, 'utf8')) as { name: string }).name, d);
    }
  }
  return found;
}

export function copyWorkspace(): string {
  const copy = mkdtempSync(join(tmpdir(), 'finlake-workspace-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter((f) => f && existsSync(join(REPO, f)));
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(REPO, f), join(copy, f), { verbatimSymlinks: true });
  }
  for (const env of ['.venv', '.tools']) symlinkSync(join(REPO, env), join(copy, env));
  // node_modules: every third-party package linked to the checkout's; the workspace's own to the copy.
  const own = workspacePackages(copy);
  const modules = join(copy, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry === '@finlake') continue;
    symlinkSync(join(REPO, 'node_modules', entry), join(modules, entry));
  }
  mkdirSync(join(modules, '@finlake'));
  for (const [name, dir] of own) symlinkSync(join(copy, dir), join(modules, name));
  // A workspace package's own node_modules (versions that differ from the hoisted ones).
  for (const dir of own.values()) {
    const nested = join(REPO, dir, 'node_modules');
    if (existsSync(nested) && lstatSync(nested).isDirectory())
      symlinkSync(nested, join(copy, dir, 'node_modules'));
  }
  return copy;
}

export const relativeToCopy = (copy: string, path: string) => relative(copy, path);
