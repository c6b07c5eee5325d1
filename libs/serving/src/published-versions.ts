import { stat } from 'node:fs/promises';

/** The identity of a published file: the publisher replaces it atomically (a new inode), so this is its version. */
export async function fileIdentity(file: string): Promise<string | undefined> {
  const s = await stat(file).catch(() => undefined);
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : undefined;
}

/**
 * The loaded version of a published file, reloaded when the file changes. At most every `checkMs` a question
 * looks at the file's identity; when it changed, questions wait for the new version's load rather than get the
 * old one, so an answer is never older than a publish the caller could have seen (and a cache keyed by the
 * identity never stores an old answer under the new version). A new file that fails to load keeps the loaded
 * version served, says why (`loadError`), and is tried again only when the file changes again.
 */
export class PublishedVersions<V extends { readonly identity: string }> {
  private checkedAt = Date.now();
  private loading: Promise<void> | undefined;
  private unreadable: string | undefined;
  loadError: string | undefined;

  constructor(
    private readonly file: string,
    private readonly checkMs: number,
    private readonly load: () => Promise<V>,
    private loaded: V,
    /** Called with the version a new one replaced (to release what it holds). */
    private readonly replaced?: (old: V) => void,
  ) {}

  async current(): Promise<V> {
    const now = Date.now();
    if (now - this.checkedAt >= this.checkMs && !this.loading) {
      this.checkedAt = now;
      this.loading = this.reload().finally(() => (this.loading = undefined));
    }
    if (this.loading) await this.loading;
    return this.loaded;
  }

  private async reload(): Promise<void> {
    const id = await fileIdentity(this.file);
    if (id === undefined || id === this.loaded.identity || id === this.unreadable) return;
    try {
      const next = await this.load();
      const old = this.loaded;
      this.loaded = next;
      this.loadError = undefined;
      this.replaced?.(old);
    } catch (err) {
      this.unreadable = id;
      this.loadError = (err as Error).message;
    }
  }

  /** The version served now, without a check (for close). */
  get served(): V {
    return this.loaded;
  }

  /** Waits for a load in progress (before closing what it uses). */
  async settle(): Promise<void> {
    await this.loading?.catch(() => undefined);
  }
}
