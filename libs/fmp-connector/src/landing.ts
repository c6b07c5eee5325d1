import { createHash } from 'node:crypto';
import type { ZoneStore } from '@finlake/lake';
import { bronzeObjectKey, sidecarKey } from '@finlake/platform';
import type { FmpDataset, Unit } from './datasets.ts';
import type { FetchedUnit } from './client.ts';

/**
 * Bronze layout: the platform contract's `lake.bronze.object` (source, dataset, year of `from`, symbol, window).
 * The key is a function of (dataset, symbol, from, to) alone, so a rerun overwrites instead of
 * adding a duplicate. The body is the API's answer byte for byte; the request metadata goes to a
 * sidecar `<key>.meta` (not `.json`, so `*.json` readers never mistake it for data).
 */
export function bronzeKey(dataset: FmpDataset, unit: Unit): string {
  return bronzeObjectKey(dataset.lake, unit);
}

export { sidecarKey };

export interface LandingMeta {
  dataset: string;
  symbol: string;
  from: string;
  to: string;
  url: string;
  status: number;
  fetched_at: string;
  sha256: string;
  bytes: number;
  row_count: number;
  attempts: number;
  run_id: string;
}

/** Writes the body, then its sidecar; each write is atomic, so readers never see a partial object. */
export async function landUnit(
  bronze: ZoneStore,
  dataset: FmpDataset,
  unit: Unit,
  fetched: FetchedUnit,
  runId: string,
  fetchedAt: Date,
): Promise<{ key: string; meta: LandingMeta }> {
  const key = bronzeKey(dataset, unit);
  const meta: LandingMeta = {
    dataset: dataset.name,
    symbol: unit.symbol,
    from: unit.from,
    to: unit.to,
    url: fetched.url,
    status: fetched.status,
    fetched_at: fetchedAt.toISOString(),
    sha256: createHash('sha256').update(fetched.body).digest('hex'),
    bytes: fetched.body.length,
    row_count: fetched.rows,
    attempts: fetched.attempts,
    run_id: runId,
  };
  await bronze.put(key, fetched.body, { contentType: 'application/json' });
  await bronze.put(sidecarKey(key), `${JSON.stringify(meta, null, 2)}\n`, {
    contentType: 'application/json',
  });
  return { key, meta };
}
