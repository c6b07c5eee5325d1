import { formatFiles, type Tree } from '@nx/devkit';
import {
  connectorFile,
  contractFile,
  docsPage,
  martSqlFile,
  platformFile,
  routeFile,
  sandboxFile,
  transformFile,
  type SourceKind,
} from './content.ts';
import { parseFields, type Field } from './fields.ts';
import { sourceNames, type SourceNames } from './names.ts';

export interface SourceGeneratorOptions {
  name: string;
  kind?: SourceKind;
  path?: string;
  description?: string;
  /** The endpoint's fields besides symbol and date: `adjDividend:double,recordDate:date?` (default value:double). */
  fields?: string;
}

/** The lines a registry file gets, each above its marker `// finlake:source-<key>` (see each index.ts). */
type RegistryLines = Partial<Record<'imports' | 'exports' | 'entries', string>>;

function files(
  n: SourceNames,
  description: string,
  fields: Field[],
  kind: SourceKind,
): Record<string, string> {
  return {
    [`libs/platform/src/sources/${n.kebab}.ts`]: platformFile(n, kind),
    [`libs/schemas/src/datasets/${n.kebab}.ts`]: contractFile(n, description, fields),
    [`libs/fmp-connector/src/sources/${n.kebab}.ts`]: connectorFile(n),
    [`tools/fmp-sandbox/src/sources/${n.kebab}.ts`]: sandboxFile(n, fields),
    [`apps/glue-bronze-to-silver/src/finlake_glue/sources/${n.table}.py`]: transformFile(n),
    [`dbt/models/marts/${n.mart.table}.sql`]: martSqlFile(n, fields),
    [`apps/serving-api/src/routes/v1/${n.mart.kebab}.ts`]: routeFile(n),
    [`docs/sources/${n.kebab}.md`]: docsPage(n, description, fields, kind),
  };
}

function registries(n: SourceNames): { file: string; lines: RegistryLines }[] {
  return [
    {
      file: 'libs/platform/src/sources/index.ts',
      lines: {
        imports: `import { ${n.constant} } from './${n.kebab}.ts';`,
        exports: `export * from './${n.kebab}.ts';`,
        entries: `  ${n.constant},`,
      },
    },
    {
      file: 'libs/schemas/src/datasets/index.ts',
      lines: {
        imports: `import { ${n.camel}, ${n.camel}Rejects, ${n.camel}WireItem, ${n.mart.camel} } from './${n.kebab}.ts';`,
        exports: `export * from './${n.kebab}.ts';`,
        entries: `  ${n.camel}WireItem,\n  ${n.camel},\n  ${n.camel}Rejects,\n  ${n.mart.camel},`,
      },
    },
    {
      file: 'apps/serving-api/src/routes/v1/index.ts',
      lines: {
        imports: `import { ${n.mart.camel}Routes } from './${n.mart.kebab}.ts';`,
        entries: `  ${n.mart.camel}Routes,`,
      },
    },
    {
      file: 'libs/fmp-connector/src/sources/index.ts',
      lines: { imports: `import { ${n.camel} } from './${n.kebab}.ts';`, entries: `  ${n.camel},` },
    },
    {
      file: 'tools/fmp-sandbox/src/sources/index.ts',
      lines: { imports: `import { ${n.camel}Route } from './${n.kebab}.ts';`, entries: `  ${n.camel}Route,` },
    },
  ];
}

/** Inserts each line above its marker (`// finlake:source-<what>`), once. */
export function insertAtMarkers(text: string, file: string, lines: RegistryLines): string {
  let out = text;
  for (const [what, line] of Object.entries(lines) as [string, string][]) {
    const marker = `// finlake:source-${what}`;
    const at = out.indexOf(marker);
    if (at < 0)
      throw new Error(`${file} has no "${marker}" line: restore it (the generator adds sources above it)`);
    if (out.includes(line)) continue;
    const lineStart = out.lastIndexOf('\n', at) + 1;
    out = `${out.slice(0, lineStart)}${line}\n${out.slice(lineStart)}`;
  }
  return out;
}

/**
 * Names already taken: every dataset contract, every source's silver table and served mart, and every
 * route's URL in the tree.
 */
function takenNames(tree: Tree): Set<string> {
  const taken = new Set<string>();
  const routes = 'apps/serving-api/src/routes';
  for (const dir of ['libs/schemas/src/datasets', 'libs/platform/src', routes]) {
    const walk = (d: string) => {
      for (const child of tree.children(d)) {
        const path = `${d}/${child}`;
        if (tree.isFile(path) && path.endsWith('.ts'))
          for (const m of (tree.read(path, 'utf-8') ?? '').matchAll(
            /(?:name|silverTable|servedMart): '([a-z0-9_]+)'|(?:url: |app\.get\()'([^']+)'/g,
          ))
            taken.add(m[1] ?? m[2]!);
        else if (!tree.isFile(path)) walk(path);
      }
    };
    if (tree.exists(dir)) walk(dir);
  }
  return taken;
}

export async function sourceGenerator(tree: Tree, options: SourceGeneratorOptions): Promise<void> {
  const kind = options.kind ?? 'rest';
  if (kind !== 'rest' && kind !== 'stream')
    throw new Error(`--kind ${JSON.stringify(kind)} is not one of rest, stream`);
  const n = sourceNames(options.name, options.path);
  const description = options.description ?? `${n.dataset.replace(/_/g, ' ')} from ${n.path}.`;
  const planned = files(n, description, parseFields(options.fields), kind);
  const marker = `libs/platform/src/sources/${n.kebab}.ts`;
  if (tree.exists(marker)) {
    // Generated before: the files are the engineer's now; re-running changes nothing.
    return;
  }
  const clash = Object.keys(planned).filter((f) => tree.exists(f));
  if (clash.length)
    throw new Error(`source ${n.table}: ${clash.join(', ')} already exist(s); pick another name`);
  const taken = takenNames(tree);
  for (const name of [n.table, `${n.table}_rejects`, `${n.table}_wire_item`, n.mart.table])
    if (taken.has(name))
      throw new Error(`source ${n.table}: a dataset named ${name} already exists; pick another name`);
  if (taken.has(n.route))
    throw new Error(`source ${n.table}: the API already serves ${n.route}; pick another name`);
  for (const { file } of registries(n))
    if (!tree.exists(file)) throw new Error(`${file} is missing: the workspace is not a Finlake checkout`);

  for (const [path, content] of Object.entries(planned)) tree.write(path, content);
  for (const { file, lines } of registries(n))
    tree.write(file, insertAtMarkers(tree.read(file, 'utf-8')!, file, lines));
  await formatFiles(tree);
}

export default sourceGenerator;
