import type { PrefectApi } from '@finlake/prefect-api';
import { MANAGED_TYPES, type BlockDecl, type BlockRef, type SecretRef, type Value } from './declarations.ts';

export type SecretResolver = (name: string) => Promise<string>;

export interface Change {
  action: 'create' | 'update' | 'delete';
  type: string;
  name: string;
  /** Human-readable differences, secret values masked. */
  details: string[];
}

const isSecret = (v: unknown): v is SecretRef => typeof v === 'object' && v !== null && '$secret' in v;
const isBlock = (v: unknown): v is BlockRef => typeof v === 'object' && v !== null && '$block' in v;

/** Every secret the declarations name, resolved once; all missing ones reported together. */
async function resolveSecrets(decls: BlockDecl[], resolve: SecretResolver): Promise<Map<string, string>> {
  const names = new Set<string>();
  const walk = (v: Value) => {
    if (isSecret(v)) names.add(v.$secret);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object' && !isBlock(v)) Object.values(v).forEach(walk);
  };
  decls.forEach((d) => Object.values(d.data).forEach(walk));
  const out = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    try {
      out.set(name, await resolve(name));
    } catch (err) {
      missing.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (missing.length > 0)
    throw new Error(`cannot resolve the secrets the blocks need:\n  - ${missing.join('\n  - ')}`);
  return out;
}

function materialize(v: Value, secrets: Map<string, string>): unknown {
  if (isSecret(v)) return secrets.get(v.$secret);
  if (Array.isArray(v)) return v.map((x) => materialize(x, secrets));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, materialize(x as Value, secrets)]));
  return v;
}

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );

function describe(key: string, before: unknown, after: unknown, secretKeys: Set<string>): string {
  const show = (x: unknown) => (secretKeys.has(key) ? '<secret>' : JSON.stringify(x));
  return `${key}: ${show(before)} -> ${show(after)}`;
}

/**
 * Brings the server's blocks to the declarations: creates the missing, updates the changed
 * (secrets compared by value, shown masked), and with `prune` deletes undeclared blocks of the
 * managed types. With `dryRun` it only reports. A second run with nothing changed does nothing.
 */
export async function syncBlocks(
  api: PrefectApi,
  decls: BlockDecl[],
  options: { resolveSecret: SecretResolver; dryRun?: boolean; prune?: boolean },
): Promise<Change[]> {
  const seen = new Set<string>();
  for (const d of decls) {
    const id = `${d.type}/${d.name}`;
    if (seen.has(id)) throw new Error(`block ${id} is declared twice`);
    seen.add(id);
  }
  const secrets = await resolveSecrets(decls, options.resolveSecret);
  const changes: Change[] = [];
  const ids = new Map<string, string>(); // type/name -> block document id, for $block references
  // Referenced blocks first, so references point at documents that exist.
  const ordered = [...decls].sort((a, b) => Number(hasRefs(a)) - Number(hasRefs(b)));
  for (const d of ordered) {
    const type = await api.readBlockType(d.type);
    const schema = await api.latestBlockSchema(type.id);
    const existing = await api.readBlockDocument(d.type, d.name);
    const plain: Record<string, unknown> = {};
    const refs: Record<string, string> = {};
    const secretKeys = new Set(
      Object.entries(d.data)
        .filter(([, v]) => isSecret(v))
        .map(([k]) => k),
    );
    for (const [k, v] of Object.entries(d.data)) {
      if (isBlock(v)) {
        const refId =
          ids.get(`${v.$block.type}/${v.$block.name}`) ??
          (await api.readBlockDocument(v.$block.type, v.$block.name))?.id;
        if (!refId && !options.dryRun)
          throw new Error(
            `${d.type}/${d.name}.${k} references ${v.$block.type}/${v.$block.name}, which does not exist`,
          );
        refs[k] = refId ?? `<to be created: ${v.$block.type}/${v.$block.name}>`;
      } else plain[k] = materialize(v, secrets);
    }
    const data = {
      ...plain,
      ...Object.fromEntries(Object.entries(refs).map(([k, id]) => [k, { $ref: { block_document_id: id } }])),
    };
    if (!existing) {
      changes.push({
        action: 'create',
        type: d.type,
        name: d.name,
        details: Object.keys(d.data).map((k) => `${k} set`),
      });
      if (!options.dryRun)
        ids.set(
          `${d.type}/${d.name}`,
          (
            await api.createBlockDocument({
              name: d.name,
              data,
              blockTypeId: type.id,
              blockSchemaId: schema.id,
            })
          ).id,
        );
      continue;
    }
    ids.set(`${d.type}/${d.name}`, existing.id);
    const details: string[] = [];
    const currentPlain = Object.fromEntries(Object.entries(existing.data).filter(([k]) => !(k in refs)));
    for (const k of new Set([...Object.keys(plain), ...Object.keys(currentPlain)])) {
      if (stable(plain[k]) !== stable(currentPlain[k]))
        details.push(describe(k, currentPlain[k], plain[k], secretKeys));
    }
    for (const [k, id] of Object.entries(refs)) {
      const current = existing.block_document_references?.[k]?.block_document.id;
      if (current !== id) details.push(`${k}: reference ${current ?? 'none'} -> ${id}`);
    }
    if (details.length === 0) continue;
    changes.push({ action: 'update', type: d.type, name: d.name, details });
    if (!options.dryRun) await api.updateBlockDocument(existing.id, data, schema.id);
  }
  if (options.prune) {
    for (const doc of await api.listBlockDocuments([...MANAGED_TYPES])) {
      const slug = doc.block_type?.slug ?? '';
      if (seen.has(`${slug}/${doc.name}`)) continue;
      changes.push({ action: 'delete', type: slug, name: doc.name, details: ['not declared'] });
      if (!options.dryRun) await api.deleteBlockDocument(doc.id);
    }
  }
  return changes;
}

function hasRefs(d: BlockDecl): boolean {
  return Object.values(d.data).some(isBlock);
}

export function formatChanges(changes: Change[], dryRun: boolean): string {
  if (changes.length === 0) return 'blocks-sync: every block is up to date';
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines = changes.flatMap((c) => [
    `${sign[c.action]} ${c.action} ${c.type}/${c.name}`,
    ...c.details.map((d) => `    ${d}`),
  ]);
  return `${lines.join('\n')}\nblocks-sync: ${changes.length} change(s)${dryRun ? ' (dry run: nothing applied)' : ' applied'}`;
}
