import type { ZoneStore } from '@finlake/lake';
import { deadLettersPrefix } from '@finlake/platform';
import type { KinesisSink } from './kinesis-sink.ts';
import type { StreamEntry } from './records.ts';

/** Beside a replayed dead-letter object: when, and how many of its records went back on the stream. */
export const REPLAYED_SUFFIX = '.replayed';

export interface ReplaySummary {
  objects: number;
  records: number;
  /** Objects already replayed by an earlier run (skipped). */
  skipped: number;
  /** Lines that are not a dead letter the sink wrote (kept, reported; the object is not marked). */
  unreadable: { key: string; line: number; error: string }[];
}

/**
 * Puts the records of the dead-letter area (optionally of one day) back on the stream through the sink, so
 * they reach bronze like any other: exactly the bytes first sent, so silver's dedupe on the article id makes
 * a replay safe to repeat. An object is marked replayed only after the sink has delivered everything from it
 * (what fails again is dead-lettered again, in a new object): a replay killed midway is simply run again.
 */
export async function replayDeadLetters(o: {
  bronze: ZoneStore;
  sink: KinesisSink;
  date?: string;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}): Promise<ReplaySummary> {
  if (o.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.date))
    throw new Error(`--date ${JSON.stringify(o.date)}: expected YYYY-MM-DD`);
  const prefix = `${deadLettersPrefix(o.sink.dataset)}${o.date ? `date=${o.date}/` : ''}`;
  const keys: string[] = [];
  const marked = new Set<string>();
  for await (const obj of o.bronze.list(prefix)) {
    if (obj.key.endsWith(REPLAYED_SUFFIX)) marked.add(obj.key.slice(0, -REPLAYED_SUFFIX.length));
    else if (obj.key.endsWith('.jsonl')) keys.push(obj.key);
  }
  const summary: ReplaySummary = { objects: 0, records: 0, skipped: 0, unreadable: [] };
  for (const key of keys.sort()) {
    if (marked.has(key)) {
      summary.skipped++;
      continue;
    }
    const body = (await o.bronze.get(key))?.toString('utf8') ?? '';
    const entries: StreamEntry[] = [];
    const bad: ReplaySummary['unreadable'] = [];
    body.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const d = JSON.parse(line) as { record?: unknown; partition_key?: unknown; article_id?: unknown };
        if (
          typeof d.record !== 'string' ||
          typeof d.partition_key !== 'string' ||
          typeof d.article_id !== 'string'
        )
          throw new Error('needs record, partition_key and article_id strings');
        entries.push({
          data: Buffer.from(`${d.record}\n`),
          partitionKey: d.partition_key,
          articleId: d.article_id,
        });
      } catch (err) {
        bad.push({ key, line: i + 1, error: (err as Error).message });
      }
    });
    for (const e of entries) await o.sink.queue.push(e);
    await o.sink.drain();
    summary.records += entries.length;
    summary.unreadable.push(...bad);
    if (bad.length) {
      o.log?.('dead-letter object has unreadable lines: kept unmarked', { key, lines: bad.length });
      continue;
    }
    await o.bronze.put(
      `${key}${REPLAYED_SUFFIX}`,
      JSON.stringify({ replayed_at: new Date().toISOString(), records: entries.length }),
      { contentType: 'application/json' },
    );
    summary.objects++;
    o.log?.('dead letters replayed', { key, records: entries.length });
  }
  return summary;
}
