/**
 * Writes the platform contract's generated files; `--check` writes nothing and exits 1 when one is stale.
 *   libs/platform/generated/platform.json   (Python, shell)
 *   apps/flows/prefect.yaml                  (Prefect deployments)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPlatformJson, renderPrefectYaml } from '../render.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const GENERATED: Record<string, () => string> = {
  'libs/platform/generated/platform.json': renderPlatformJson,
  'apps/flows/prefect.yaml': renderPrefectYaml,
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [path, render] of Object.entries(GENERATED)) {
    const want = render();
    const have = await readFile(join(repoRoot, path), 'utf8').catch(() => undefined);
    if (have === want) continue;
    if (check) stale.push(path);
    else {
      await writeFile(join(repoRoot, path), want);
      console.log(`wrote ${path}`);
    }
  }
  if (stale.length) {
    console.error(`stale: ${stale.join(', ')}\nRun: npx nx run platform:generate`);
    process.exit(1);
  }
}
