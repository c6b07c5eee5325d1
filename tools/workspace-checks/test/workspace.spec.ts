import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..', '..', '..');
const nx = (...args: string[]) =>
  execFileSync(process.execPath, [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });

interface Graph {
  graph: {
    nodes: Record<string, { data: { tags?: string[] } }>;
    dependencies: Record<string, { target: string }[]>;
  };
}
const graph = (): Graph => {
  const out = join(root, 'dist', 'workspace-checks-graph.json');
  nx('graph', `--file=${out}`);
  return JSON.parse(execFileSync('cat', [out], { encoding: 'utf8' }));
};

describe('module boundaries (enforced by @nx/enforce-module-boundaries)', () => {
  const eslint = new ESLint({ cwd: root });
  const boundaryErrors = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
    return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  // Probes sit in projects the imported one does not depend on, so the rule reports the tag
  // violation rather than a dependency cycle. Apps expose no package entry at all, so nothing can
  // import one (TypeScript cannot even resolve it).
  it.each([
    ['a lib', 'libs/logging/src/boundary-probe.ts', 'type:lib'],
    // Apps only use libs; they meet other apps over the wire.
    ['an app', 'apps/fmp-ingester/src/boundary-probe.ts', 'type:app'],
  ])('forbids %s from importing a tool', async (_what, probe, tag) => {
    const errors = await boundaryErrors(
      probe,
      "import { startFmpSandbox } from '@finlake/fmp-sandbox';\nexport const x = startFmpSandbox;\n",
    );
    expect(errors.join('\n')).toContain(
      `tagged with "${tag}" can only depend on libs tagged with "type:lib"`,
    );
  });

  it('allows a lib to import another shared lib', async () => {
    const errors = await boundaryErrors(
      'libs/lake/src/boundary-probe.ts',
      "import { createLogger } from '@finlake/logging';\nexport const x = createLogger;\n",
    );
    expect(errors).toEqual([]);
  });
});

describe('project graph', () => {
  it('tags every project on both axes', () => {
    const { nodes } = graph().graph;
    for (const [name, node] of Object.entries(nodes)) {
      const tags = node.data.tags ?? [];
      expect(
        tags.some((t) => t.startsWith('scope:')),
        `${name} has a scope:* tag`,
      ).toBe(true);
      expect(
        tags.some((t) => /^type:(app|lib|infra|tool)$/.test(t)),
        `${name} has a type:* tag`,
      ).toBe(true);
    }
  });

  it('selects exactly libs/schemas and its dependents when libs/schemas changes', () => {
    const { dependencies } = graph().graph;
    const dependents = new Set(['schemas']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [source, deps] of Object.entries(dependencies)) {
        if (!dependents.has(source) && deps.some((d) => dependents.has(d.target))) {
          dependents.add(source);
          grew = true;
        }
      }
    }
    const affected = JSON.parse(
      nx('show', 'projects', '--affected', '--files=libs/schemas/src/index.ts', '--json'),
    );
    expect(new Set(affected)).toEqual(dependents);
    // The Glue job consumes the generated JSON Schema, so it must be selected; unrelated libs must not.
    expect(affected).toContain('glue-bronze-to-silver');
    expect(affected).not.toContain('config');
  });
});
