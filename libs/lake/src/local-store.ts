import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { assertValidKey } from '@finlake/platform';
import type { ObjectInfo, PutOptions, Zone, ZoneStore } from './store.ts';

const TMP_PREFIX = '.tmp-';
/** A temp file names its writer (`.tmp-<host>.<pid>.<random>`) so a sweep can tell a live writer's from debris. */
const TMP_NAME = /^\.tmp-(.+)\.(\d+)\.[0-9a-f]+$/;
/** A temp file no live writer on this host owns (another host's, or one named before writers were named)
 * is debris once it is this old: no single put takes an hour. */
const FOREIGN_TMP_MAX_AGE_MS = 60 * 60 * 1000;

function tempName(): string {
  return `${TMP_PREFIX}${hostname()}.${process.pid}.${randomBytes(6).toString('hex')}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    const tmp = join(dirname(target), tempName());
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
   * Removes temp files left by a killed writer under a folder prefix (they are never listed, but take space).
   * Safe while other writers work there (a backfill runs several ingesters at once): a temp file whose writer
   * is a live process on this host is theirs, and stays.
   */
  async sweepTempFiles(folder = ''): Promise<number> {
    const start = folder ? this.path(folder.replace(/\/+$/, '')) : this.root;
    const entries = await readdir(start, { recursive: true, withFileTypes: true }).catch(() => []);
    const tmps = entries.filter((e) => e.isFile() && e.name.startsWith(TMP_PREFIX));
    const debris: string[] = [];
    for (const e of tmps) {
      const path = join(e.parentPath, e.name);
      const writer = TMP_NAME.exec(e.name);
      if (writer && writer[1] === hostname()) {
        if (!alive(Number(writer[2]))) debris.push(path);
        continue;
      }
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > FOREIGN_TMP_MAX_AGE_MS) debris.push(path);
    }
    await Promise.all(debris.map((path) => rm(path, { force: true })));
    return debris.length;
  }
}
