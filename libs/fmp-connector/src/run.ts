import type { ZoneStore } from '@finlake/lake';
import type { IngestManifest, UnitOutcomeRecord } from '@finlake/schemas';
import {
  bronzeDatasetPrefix,
  manifestKey,
  parseBronzeObjectKey,
  sidecarKey,
  type Handoff,
} from '@finlake/platform';
import type { Logger } from '@finlake/logging';
import type { IsoDate } from '@finlake/market-calendar';
import type { FmpClient } from './client.ts';
import { halve, splitWindow, uncovered, type FmpDataset, type Unit } from './datasets.ts';
import { FatalAuthError, UnitFailedError } from './errors.ts';
import { landUnit } from './landing.ts';

export interface IngestRequest {
  dataset: FmpDataset;
  symbols: readonly string[];
  from: IsoDate;
  to: IsoDate;
  /** Who cleans the batch: the calling pipeline, or the bronze trigger (its manifest's key says which). */
  handoff: Handoff;
  /** Fetch only what bronze does not hold yet for each symbol (a gap-filling backfill). */
  fillGaps?: boolean;
}

export interface IngestDeps {
  client: FmpClient;
  bronze: ZoneStore;
  logger: Logger;
  runId: string;
  concurrency: number;
  /** Aborted when the run must stop (a fatal answer); shared with the client. */
  abort: AbortController;
  onUnitDone?: (outcome: UnitOutcome) => void;
  now?: () => Date;
}

/** The run records are contracts (libs/schemas/src/records.ts): the flows read them as generated TypedDicts. */
export type UnitOutcome = UnitOutcomeRecord;
export type UnitStatus = UnitOutcome['status'];
export type IngestSummary = IngestManifest;

type Coverage = ReadonlyMap<string, { from: IsoDate; to: IsoDate }[]>;

/**
 * The calls to make: per symbol, the range (or, filling gaps, the parts bronze does not hold) cut into
 * windows that cannot reach the row cap. Parallelism splits symbols, never dates: a long range is as few
 * calls as the cap allows.
 */
export function planUnits(req: IngestRequest, covered?: Coverage): Unit[] {
  const units: Unit[] = [];
  for (const symbol of req.symbols) {
    const ranges = covered ? uncovered(req.from, req.to, covered.get(symbol) ?? []) : [req];
    for (const r of ranges) {
      for (const w of splitWindow(r.from, r.to, req.dataset.maxDaysPerCall)) units.push({ symbol, ...w });
    }
  }
  return units;
}

/**
 * What bronze holds per symbol: the windows of its landed objects (their keys carry them). An object counts
 * only with its sidecar, which the landing writes last: a body without one is a landing that failed midway,
 * and its window is still a gap.
 */
export async function bronzeCoverage(bronze: ZoneStore, req: IngestRequest): Promise<Coverage> {
  const wanted = new Set(req.symbols);
  const out = new Map<string, { from: IsoDate; to: IsoDate }[]>();
  const keys = new Set<string>();
  for await (const o of bronze.list(bronzeDatasetPrefix(req.dataset.lake))) keys.add(o.key);
  for (const key of keys) {
    const k = parseBronzeObjectKey(req.dataset.lake, key);
    if (!k || !wanted.has(k.symbol) || !keys.has(sidecarKey(key))) continue;
    const list = out.get(k.symbol) ?? [];
    list.push({ from: k.from, to: k.to });
    out.set(k.symbol, list);
  }
  return out;
}

/**
 * Fetches every (symbol, window) unit and lands each answer in bronze. The first unit runs alone
 * (a canary: a bad key costs exactly one call), then `concurrency` workers share the rest; the
 * client's limiter paces every attempt. A fatal answer stops the run at once; a unit failure is
 * recorded and the run goes on. The manifest lists every unit and its outcome.
 */
export async function runIngestion(req: IngestRequest, deps: IngestDeps): Promise<IngestSummary> {
  const { client, bronze, logger, runId, abort } = deps;
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const datasetPrefix = bronzeDatasetPrefix(req.dataset.lake);
  const swept = (await bronze.sweepTempFiles?.(datasetPrefix)) ?? 0;
  if (swept > 0) logger.warn({ swept }, 'removed temp files left by an interrupted run');

  const outcomes: UnitOutcome[] = [];
  let fatal: FatalAuthError | undefined;

  const fetchAndLand = async (unit: Unit, outcome: UnitOutcome): Promise<void> => {
    const fetched = await client.fetchUnit(req.dataset, unit);
    outcome.attempts += fetched.attempts;
    if (fetched.rows >= req.dataset.maxRowsPerCall && unit.from < unit.to) {
      // The answer reached the API's cap, so it may be cut short: split and fetch both halves.
      logger.warn(
        { symbol: unit.symbol, from: unit.from, to: unit.to, rows: fetched.rows },
        'answer reached the row cap; splitting the window',
      );
      for (const half of halve(unit)) await fetchAndLand(half, outcome);
      return;
    }
    const { key } = await landUnit(bronze, req.dataset, unit, fetched, runId, now());
    outcome.keys.push(key);
    outcome.rows += fetched.rows;
    outcome.http_status = fetched.status;
  };

  const process = async (unit: Unit): Promise<void> => {
    const outcome: UnitOutcome = { ...unit, status: 'landed', keys: [], rows: 0, attempts: 0 };
    outcomes.push(outcome);
    if (fatal) {
      outcome.status = 'skipped';
      outcome.error = 'not attempted: the run stopped on a fatal error';
      return;
    }
    try {
      await fetchAndLand(unit, outcome);
      logger.debug({ symbol: unit.symbol, from: unit.from, to: unit.to, rows: outcome.rows }, 'landed');
    } catch (err) {
      if (err instanceof FatalAuthError) {
        fatal ??= err;
        abort.abort(err);
        outcome.status = 'failed';
        outcome.error = err.message;
        outcome.http_status = 401;
      } else if (fatal) {
        outcome.status = 'skipped';
        outcome.error = 'aborted: the run stopped on a fatal error';
      } else {
        outcome.status = 'failed';
        outcome.error = (err as Error).message;
        if (err instanceof UnitFailedError) outcome.http_status = err.status;
        logger.error({ symbol: unit.symbol, from: unit.from, to: unit.to, err }, 'unit failed');
      }
    }
    deps.onUnitDone?.(outcome);
  };

  const planned = planUnits(req, req.fillGaps ? await bronzeCoverage(bronze, req) : undefined);
  if (req.fillGaps) logger.info({ units: planned.length }, 'planned the gaps bronze does not hold');
  const units = planned.values();
  const first = units.next();
  if (!first.done) await process(first.value);
  const worker = async () => {
    for (let u = units.next(); !u.done; u = units.next()) await process(u.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));

  const count = (s: UnitStatus) => outcomes.filter((o) => o.status === s).length;
  const summary: IngestSummary = {
    run_id: runId,
    dataset: req.dataset.name,
    from: req.from,
    to: req.to,
    symbols: req.symbols.length,
    units: outcomes.length,
    landed: count('landed'),
    failed: count('failed'),
    skipped: count('skipped'),
    rows: outcomes.reduce((s, o) => s + o.rows, 0),
    http_attempts: client.attempts,
    ...(fatal ? { fatal: fatal.message } : {}),
    started_at: startedAt.toISOString(),
    finished_at: now().toISOString(),
    handoff: req.handoff,
    manifest_key: manifestKey(req.dataset.lake, runId, req.handoff),
    outcomes: outcomes.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.from.localeCompare(b.from)),
  };
  await bronze.put(summary.manifest_key, `${JSON.stringify(summary, null, 2)}\n`, {
    contentType: 'application/json',
  });
  return summary;
}
