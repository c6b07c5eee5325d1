/**
 * Writes the generated contract artefacts (libs/schemas/generated/ and the dbt YAML rendered from the
 * contracts) and removes stale ones under generated/. `--check` writes nothing and exits 1 when a
 * file is missing, stale or unexpected.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderArtifacts, renderRepoArtifacts } from '../codegen.ts';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'generated');
const repoRoot = join(outDir, '..', '..', '..');
const check = process.argv.includes('--check');
const problems: string[] = [];

/** Brings each file under `root` to its wanted content (or, with --check, records what differs). */
async function sync(
  root: string,
  wanted: Map<string, string>,
  label: (path: string) => string,
): Promise<void> {
  for (const [path, content] of wanted) {
    const file = join(root, path);
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === content) continue;
    if (check) problems.push(`${current === undefined ? 'missing' : 'stale'}: ${label(path)}`);
    else {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
      console.log(`wrote ${label(path)}`);
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

const wanted = renderArtifacts();
await sync(outDir, wanted, (p) => `libs/schemas/generated/${p}`);
// Files rendered into other projects (the dbt project, the flows): paths relative to the repo root.
await sync(repoRoot, renderRepoArtifacts(), (p) => p);
for (const path of await listFiles(outDir)) {
  if (wanted.has(path)) continue;
  if (check) problems.push(`unexpected: libs/schemas/generated/${path}`);
  else {
    await rm(join(outDir, path));
    console.log(`removed libs/schemas/generated/${path}`);
  }
}
if (problems.length > 0) {
  console.error(
    `Generated contracts are out of date:\n  ${problems.join('\n  ')}\nRun: npx nx run schemas:generate`,
  );
  process.exit(1);
}
