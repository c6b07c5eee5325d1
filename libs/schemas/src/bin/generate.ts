/**
 * Writes the generated contract artefacts into libs/schemas/generated/ and removes stale ones.
 * `--check` writes nothing and exits 1 when a file is missing, stale or unexpected.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderArtifacts } from '../codegen.ts';
import { renderDbtArtifacts } from '../dbt-yaml.ts';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'generated');
const check = process.argv.includes('--check');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(outDir, join(e.parentPath, e.name)));
}

const wanted = renderArtifacts();
const existing = new Set(await listFiles(outDir));
const problems: string[] = [];
for (const [path, content] of wanted) {
  const file = join(outDir, path);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) continue;
  if (check) problems.push(`${current === undefined ? 'missing' : 'stale'}: ${path}`);
  else {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    console.log(`wrote ${path}`);
  }
}
for (const path of existing) {
  if (wanted.has(path)) continue;
  if (check) problems.push(`unexpected: ${path}`);
  else {
    await rm(join(outDir, path));
    console.log(`removed ${path}`);
  }
}
// Files rendered into other projects (the dbt project): paths relative to the repo root.
const repoRoot = join(outDir, '..', '..', '..');
for (const [path, content] of renderDbtArtifacts()) {
  const file = join(repoRoot, path);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) continue;
  if (check) problems.push(`${current === undefined ? 'missing' : 'stale'}: ${path}`);
  else {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    console.log(`wrote ${path}`);
  }
}
if (problems.length > 0) {
  console.error(
    `Generated contracts are out of date:\n  ${problems.join('\n  ')}\nRun: npx nx run schemas:generate`,
  );
  process.exit(1);
}
