/**
 * Object keys in the lake: relative, `/`-separated, no `..`, no empty segments, and
 * Hive-style partitions (`name=value`) for everything a query engine prunes on.
 */
const SEGMENT = /^[A-Za-z0-9_.=\-^]+$/;

export function assertValidKey(key: string): void {
  if (key.length === 0 || key.length > 1024)
    throw new Error(`lake key must be 1-1024 characters, got ${key.length}`);
  const parts = key.split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || !SEGMENT.test(part)) {
      throw new Error(
        `invalid lake key ${JSON.stringify(key)}: segment ${JSON.stringify(part)} must be non-empty and use only A-Z a-z 0-9 _ . = - ^`,
      );
    }
  }
  if (parts.some((p) => p.startsWith('.tmp-')))
    throw new Error(`lake key ${JSON.stringify(key)} uses the reserved .tmp- prefix`);
}

export type PartitionValue = string | number;

const PARTITION_NAME = /^[a-z][a-z0-9_]*$/;
const PARTITION_VALUE = /^[A-Za-z0-9_.\-^]+$/;

/** `hivePath([['source','fmp'],['year',2023]])` → `source=fmp/year=2023`; order is kept. */
export function hivePath(partitions: readonly (readonly [string, PartitionValue])[]): string {
  return partitions
    .map(([name, value]) => {
      const v = String(value);
      if (!PARTITION_NAME.test(name))
        throw new Error(`partition name ${JSON.stringify(name)} must match ${PARTITION_NAME}`);
      if (!PARTITION_VALUE.test(v))
        throw new Error(`partition ${name} value ${JSON.stringify(v)} must match ${PARTITION_VALUE}`);
      return `${name}=${v}`;
    })
    .join('/');
}

/** The `name=value` segments of a key, in order (later duplicates win). */
export function parsePartitions(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of key.split('/')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
