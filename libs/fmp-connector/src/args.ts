import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TICKER_PATTERN } from '@finlake/schemas';
import { HANDOFFS, type Handoff } from '@finlake/platform';
import { isIsoDate, lastCompletedTradingDay, type IsoDate } from '@finlake/market-calendar';
import { datasetByName, DATASETS, historicalPriceEod, type FmpDataset } from './datasets.ts';

export const USAGE = `Usage: fmp-ingester --symbols AAPL,MSFT [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--dataset NAME]
       fmp-ingester --symbols-file symbols.txt ...

Fetches FMP end-of-day prices and lands each answer, byte for byte, in the bronze zone.
  --symbols LIST       comma-separated tickers (AAPL, BRK.B, ^GSPC)
  --symbols-file FILE  tickers one per line or comma-separated; # starts a comment
  --from, --to         inclusive date window; both default to the last completed NYSE trading day
  --dataset NAME       one of: ${Object.keys(DATASETS).join(', ')} (default historical_price_eod)
  --run-id ID          run id for metadata and logs (default: PREFECT__FLOW_RUN_ID, else generated)
  --fill-gaps          fetch only the parts of the window bronze does not hold yet, per symbol
  --handoff WHO        who cleans the batch: event (default; the bronze trigger starts bronze-to-silver)
                       or pipeline (the calling flow does it itself); the manifest's key records it
Configuration comes from the environment: FMP_API_KEY, FMP_BASE_URL, FMP_RATE_LIMIT_PER_MIN,
FMP_CONCURRENCY, FMP_TIMEOUT_MS, FMP_MAX_ATTEMPTS; the lake from FINLAKE_LAKE_ROOT / FINLAKE_BRONZE_URI.
Exit status: 0 every unit landed, 1 some units failed, 2 bad arguments, 3 API key rejected, 78 bad configuration.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface IngestArgs {
  dataset: FmpDataset;
  symbols: string[];
  from: IsoDate;
  to: IsoDate;
  runId?: string;
  handoff: Handoff;
  fillGaps: boolean;
  help: boolean;
}

const TICKER = new RegExp(TICKER_PATTERN);
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_SYMBOLS = 100_000;

export function parseSymbols(text: string, origin: string): string[] {
  const symbols = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = symbols.filter((s) => !TICKER.test(s));
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 5)
      .map((s) => JSON.stringify(s.slice(0, 40)))
      .join(', ');
    throw new UsageError(
      `${origin}: ${bad.length} invalid ticker(s): ${shown}; expected uppercase tickers like AAPL, BRK.B or ^GSPC`,
    );
  }
  return [...new Set(symbols)];
}

export function parseIngestArgs(argv: string[], now: Date = new Date()): IngestArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        symbols: { type: 'string' },
        'symbols-file': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        dataset: { type: 'string', default: historicalPriceEod.name },
        'run-id': { type: 'string' },
        handoff: { type: 'string', default: 'event' },
        'fill-gaps': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true } as IngestArgs;

  let dataset: FmpDataset;
  try {
    dataset = datasetByName(values.dataset);
  } catch (err) {
    throw new UsageError(`--dataset: ${(err as Error).message}`);
  }
  if (dataset.lake.kind !== 'batch')
    throw new UsageError(
      `--dataset ${dataset.name} is streamed: its producer lands it (npx finlake stream run --dataset ${dataset.lake.silverTable})`,
    );
  if (values.symbols === undefined && values['symbols-file'] === undefined) {
    throw new UsageError('give the tickers with --symbols AAPL,MSFT or --symbols-file FILE');
  }
  const symbols = [
    ...(values.symbols !== undefined ? parseSymbols(values.symbols, '--symbols') : []),
    ...(values['symbols-file'] !== undefined ? readSymbolsFile(values['symbols-file']) : []),
  ];
  const unique = [...new Set(symbols)];
  if (unique.length === 0) throw new UsageError('no tickers given: --symbols / --symbols-file is empty');
  if (unique.length > MAX_SYMBOLS)
    throw new UsageError(
      `${unique.length} tickers is more than the ${MAX_SYMBOLS} one run takes; split the list`,
    );

  const defaultDay = lastCompletedTradingDay(now);
  const from = values.from ?? values.to ?? defaultDay;
  const to = values.to ?? defaultDay;
  for (const [flag, v] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!isIsoDate(v))
      throw new UsageError(`${flag} ${JSON.stringify(v)} is not a date in the form YYYY-MM-DD`);
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const today = now.toISOString().slice(0, 10);
  if (to > today) throw new UsageError(`--to ${to} is in the future (today is ${today} UTC)`);
  if (from < '1970-01-01') throw new UsageError(`--from ${from} is before 1970-01-01`);

  const runId = values['run-id'];
  if (runId !== undefined && !RUN_ID.test(runId)) {
    throw new UsageError(
      `--run-id ${JSON.stringify(runId.slice(0, 40))} must be 1-128 of A-Z a-z 0-9 _ . - (starting alphanumeric)`,
    );
  }
  const handoff = HANDOFFS.find((h) => h === values.handoff);
  if (!handoff)
    throw new UsageError(
      `--handoff ${JSON.stringify(values.handoff)}: expected one of ${HANDOFFS.join(', ')}`,
    );
  return { dataset, symbols: unique, from, to, runId, handoff, fillGaps: values['fill-gaps'], help: false };
}

function readSymbolsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--symbols-file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseSymbols(text, `--symbols-file ${path}`);
}
