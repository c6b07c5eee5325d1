import type { ZoneStore } from '@finlake/lake';
import { checkpointKey, FMP_NEWS } from '@finlake/platform';

/** The producer's watermarks: per poll (a symbol group, or `latest`), the newest publishedDate delivered. */
export interface Checkpoint {
  producer: string;
  updated_at: string;
  watermarks: Record<string, string>;
}

export async function readCheckpoint(bronze: ZoneStore, producer: string): Promise<Checkpoint | undefined> {
  const body = await bronze.get(checkpointKey(FMP_NEWS, producer));
  if (!body) return undefined;
  try {
    const doc = JSON.parse(body.toString('utf8')) as Checkpoint;
    if (doc && typeof doc.watermarks === 'object') return doc;
  } catch {
    /* fall through */
  }
  throw new Error(
    `checkpoint ${checkpointKey(FMP_NEWS, producer)} is not valid JSON with watermarks: fix or delete it (deleting re-polls from --since)`,
  );
}

/** One atomic put (S3 PUT, or temp file + rename): a reader sees the old watermarks or the new. */
export async function writeCheckpoint(bronze: ZoneStore, doc: Checkpoint): Promise<void> {
  await bronze.put(checkpointKey(FMP_NEWS, doc.producer), `${JSON.stringify(doc, null, 2)}\n`, {
    contentType: 'application/json',
  });
}
