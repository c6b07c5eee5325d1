import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { assertValidKey } from '@finlake/platform';
import type { ObjectInfo, PutOptions, Zone, ZoneStore } from './store.ts';

const TMP_PREFIX = '.tmp-';

/** A lake zone on the local disk; used offline and by the demo. */
export class LocalZoneStore implements ZoneStore {
  constructor(
    readonly zone: Zone,
    readonly root: string,
  ) {}

  private path(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    // Same directory as the target so rename(2) is atomic; fsync before rename so a crash
    // cannot leave a renamed but empty file.
    const tmp = join(dirname(target), `${TMP_PREFIX}${randomBytes(6).toString('hex')}`);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch {
      return false;
    }
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    // Start from the deepest directory the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const start = dirKey ? this.path(dirKey) : this.root;
    let entries;
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const keys = entries
      .filter((e) => e.isFile() && !e.name.startsWith(TMP_PREFIX))
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((k) => k.startsWith(prefix))
      .sort();
    for (const key of keys) {
      const s = await stat(this.path(key)).catch(() => undefined);
      if (s) yield { key, size: s.size, lastModified: s.mtime };
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  uri(key = ''): string {
    return key ? this.path(key) : this.root;
  }

  /**
   * Removes temp files left by a killed writer under a folder prefix (they are never listed, but
   * take space). Only call it when no other writer is active under that prefix.
   */
  async sweepTempFiles(folder = ''): Promise<number> {
    const start = folder ? this.path(folder.replace(/\/+$/, '')) : this.root;
    const entries = await readdir(start, { recursive: true, withFileTypes: true }).catch(() => []);
    const tmps = entries.filter((e) => e.isFile() && e.name.startsWith(TMP_PREFIX));
    await Promise.all(tmps.map((e) => rm(join(e.parentPath, e.name), { force: true })));
    return tmps.length;
  }
}
