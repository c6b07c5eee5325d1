import type { Zone } from '@finlake/platform';

export { ZONES, type Zone } from '@finlake/platform';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
}

/**
 * One zone of the lake. Keys are relative to the zone's root. `put` is atomic: a reader
 * sees the old object or the new one, never a partial file (temp file + rename locally,
 * a single PUT on S3).
 */
export interface ZoneStore {
  readonly zone: Zone;
  /** Where the zone lives: a directory path locally, `s3://bucket/prefix` in AWS. */
  readonly root: string;
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every object under the prefix (a key prefix, not only a folder), in key order. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  /** The full location of a key, for engines that read the lake directly (Spark, DuckDB, Athena). */
  uri(key?: string): string;
  /**
   * Removes what an interrupted writer left under the prefix and returns how many; only stores whose puts
   * can leave debris have it (files renamed into place locally; an S3 PutObject is atomic).
   */
  sweepTempFiles?(prefix?: string): Promise<number>;
}

export type Lake = Record<Zone, ZoneStore>;
