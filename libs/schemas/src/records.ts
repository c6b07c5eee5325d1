import Type, { type Static, type TObject } from 'typebox';

/**
 * Run records: the documents one stage writes and another reads (not tables). Defined once here; the
 * connector's types are these, JSON Schema is generated for any reader, and the flows' Python TypedDicts
 * are generated from them (python-records.ts), so a field renamed on one side fails a build on the other.
 */
const isoDate = Type.String({ format: 'date' });
const instant = Type.String({ format: 'date-time' });
const count = Type.Integer({ minimum: 0 });

export const unitOutcome = Type.Object(
  {
    symbol: Type.String(),
    from: isoDate,
    to: isoDate,
    status: Type.Union([Type.Literal('landed'), Type.Literal('failed'), Type.Literal('skipped')]),
    /** Bronze keys written (more than one when a capped answer was re-split). */
    keys: Type.Array(Type.String()),
    rows: count,
    attempts: count,
    http_status: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String()),
  },
  {
    additionalProperties: false,
    description: 'One (symbol, window) unit of a connector run and what became of it.',
  },
);

/** The connector's manifest: written last by each run, one per landed batch (`lake.bronze.manifest`). */
export const ingestManifest = Type.Object(
  {
    run_id: Type.String(),
    dataset: Type.String(),
    from: isoDate,
    to: isoDate,
    symbols: count,
    units: count,
    landed: count,
    failed: count,
    skipped: count,
    rows: count,
    http_attempts: count,
    fatal: Type.Optional(Type.String()),
    handoff: Type.Union([Type.Literal('event'), Type.Literal('pipeline')]),
    started_at: instant,
    finished_at: instant,
    manifest_key: Type.String(),
    outcomes: Type.Array(unitOutcome),
  },
  {
    additionalProperties: false,
    description: 'What a connector run landed in bronze: every unit and its outcome.',
  },
);

/** The bronze-to-silver job's run summary (`lake.silver.runSummary`), what the flow reports and alerts with. */
export const silverRunSummary = Type.Object(
  {
    run_id: Type.String(),
    dataset: Type.String(),
    mode: Type.Union([Type.Literal('window'), Type.Literal('full')]),
    from: Type.Union([isoDate, Type.Null()]),
    to: Type.Union([isoDate, Type.Null()]),
    /** The window widened to whole months: [first day, last day]. */
    months: Type.Union([Type.Array(isoDate), Type.Null()]),
    objects_listed: count,
    objects_read: count,
    objects_rejected: count,
    rows_read: count,
    rows_valid: count,
    rows_rejected: count,
    rows_outside_window: count,
    duplicates_dropped: count,
    rows_written: count,
    rejected_by_reason: Type.Record(Type.String(), count),
    partitions_written: Type.Array(Type.String()),
    silver_path: Type.String(),
    rejects_path: Type.String(),
    /** What a killed run had left in the folders this run writes, removed before writing. */
    debris_removed: Type.Array(Type.String()),
    status: Type.Literal('succeeded'),
    started_at: instant,
    finished_at: instant,
    duration_s: Type.Number({ minimum: 0 }),
    timings: Type.Record(Type.String(), Type.Number()),
  },
  { additionalProperties: false, description: 'What one bronze-to-silver run read, wrote and rejected.' },
);

export type UnitOutcomeRecord = Static<typeof unitOutcome>;
export type IngestManifest = Static<typeof ingestManifest>;
export type SilverRunSummary = Static<typeof silverRunSummary>;

/** Every run record, by the name its generated artefacts carry. */
export const RECORDS: Readonly<Record<string, TObject>> = {
  ingest_manifest: ingestManifest,
  silver_run_summary: silverRunSummary,
};
