import type { SandboxStats } from '@finlake/schemas/testing';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSample, lowerBound, rng, SYNTHETIC, syntheticRows, type EodRow } from './data.ts';
import { drawFault, NO_FAULTS, validateFaults, type Fault, type FaultConfig } from './faults.ts';
import { errorBody, FMP_ERRORS, jsonBody, MAX_EOD_ROWS } from './wire.ts';
import { newsFeed, type NewsFeedOptions } from './news.ts';
import { GENERATED_ROUTES } from './sources/index.ts';

export interface SandboxOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  apiKey?: string;
  /** Calls per window (default: per minute) per key; a call over it gets FMP's 429 "Limit Reach". */
  ratePerMin?: number;
  /** The limiter's sliding window; 60 s like FMP's per-minute plans (shorter only for fast tests). */
  windowMs?: number;
  /** Symbols outside the plan: 402 "Premium Query Parameter". */
  premiumSymbols?: string[];
  faults?: Partial<FaultConfig>;
  seed?: number;
  /** The news feed: its clock, how often each symbol publishes, what it repeats and breaks. */
  news?: NewsFeedOptions;
}

export type { SandboxStats } from '@finlake/schemas/testing';

export interface FmpSandbox {
  url: string;
  port: number;
  server: Server;
  stats(): SandboxStats;
  setFaults(f: Partial<FaultConfig>): void;
  reset(): void;
  close(): Promise<void>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

export async function startFmpSandbox(options: SandboxOptions = {}): Promise<FmpSandbox> {
  const apiKey = options.apiKey ?? 'sandbox-key';
  const ratePerMin = options.ratePerMin ?? 300;
  const windowMs = options.windowMs ?? 60_000;
  const premium = new Set(options.premiumSymbols ?? []);
  let faults = validateFaults({ ...NO_FAULTS, ...options.faults });
  const random = rng(options.seed ?? 42);
  const sample = loadSample();
  const news = newsFeed({ symbols: [...sample.keys()].sort(), ...options.news });

  let stats: SandboxStats;
  let callLog: number[]; // accepted-call timestamps inside the current window
  let callLogStart: number;
  const reset = () => {
    stats = {
      requests: 0,
      byStatus: {},
      faults: {},
      rateLimited: 0,
      maxCallsInAnyWindow: 0,
      firstCallAt: null,
      lastCallAt: null,
      served: {},
    };
    callLog = [];
    callLogStart = 0;
  };
  reset();

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
    res.end(body);
  };

  /** Sliding-window limiter: at most ratePerMin accepted calls in any windowMs. */
  const admit = (now: number): boolean => {
    while (callLogStart < callLog.length && callLog[callLogStart]! <= now - windowMs) callLogStart++;
    if (callLogStart > 4096) {
      callLog = callLog.slice(callLogStart);
      callLogStart = 0;
    }
    if (callLog.length - callLogStart >= ratePerMin) return false;
    callLog.push(now);
    stats.maxCallsInAnyWindow = Math.max(stats.maxCallsInAnyWindow, callLog.length - callLogStart);
    return true;
  };

  const eodRows = (symbol: string): EodRow[] | undefined =>
    sample.get(symbol) ?? (SYNTHETIC.test(symbol) ? syntheticRows(symbol) : undefined);

  const handleEod = (url: URL): { status: number; body: string } => {
    const symbol = url.searchParams.get('symbol')?.trim() ?? '';
    if (!symbol) return { status: 400, body: errorBody("Missing required parameter 'symbol'.") };
    if (premium.has(symbol)) return { status: 402, body: errorBody(FMP_ERRORS.premiumSymbol(symbol)) };
    const from = url.searchParams.get('from') ?? isoDaysAgo(5 * 365);
    const to = url.searchParams.get('to') ?? isoDaysAgo(0);
    if (!DATE.test(from) || !DATE.test(to)) {
      return { status: 400, body: errorBody('Invalid date format, expected YYYY-MM-DD.') };
    }
    const rows = eodRows(symbol) ?? [];
    const slice = rows.slice(lowerBound(rows, from), lowerBound(rows, `${to}~`));
    // Newest first, at most 5000 rows: the newest ones, as FMP answers a too-long range.
    return { status: 200, body: jsonBody(slice.reverse().slice(0, MAX_EOD_ROWS)) };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const now = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname.startsWith('/__sandbox/')) return admin(req, res, url);
    stats.requests++;
    if (req.method !== 'GET') return send(res, 405, errorBody('Only GET is supported.'));
    if (url.searchParams.get('apikey') !== apiKey) return send(res, 401, errorBody(FMP_ERRORS.invalidKey));
    stats.firstCallAt ??= now;
    stats.lastCallAt = now;
    if (!admit(now)) {
      stats.rateLimited++;
      return send(res, 429, errorBody(FMP_ERRORS.limitReach));
    }
    if (url.pathname.startsWith('/api/v3/') || url.pathname.startsWith('/api/v4/')) {
      return send(res, 403, errorBody(FMP_ERRORS.legacy));
    }
    let answer: { status: number; body: string };
    if (url.pathname === '/stable/historical-price-eod/full') answer = handleEod(url);
    else if (url.pathname === '/stable/news/stock' || url.pathname === '/stable/news/stock-latest') {
      answer = news.answer(url);
    } else {
      const route = GENERATED_ROUTES.find((r) => r.path === url.pathname);
      if (!route) return send(res, 404, errorBody(`Unknown endpoint ${url.pathname}.`));
      answer = route.answer(url);
    }

    const fault: Fault = drawFault(faults, random());
    if (fault !== 'none') stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
    switch (fault) {
      case '429-retry-after':
        return send(res, 429, errorBody(FMP_ERRORS.limitReach), {
          'retry-after': String(faults.retryAfterSeconds),
        });
      case '429':
        return send(res, 429, errorBody(FMP_ERRORS.limitReach));
      case '500':
        return send(res, 500, 'Internal Server Error', { 'content-type': 'text/plain' });
      case '502':
        return send(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', {
          'content-type': 'text/html',
        });
      case '503':
        return send(res, 503, '<html><body><h1>503 Service Unavailable</h1></body></html>', {
          'content-type': 'text/html',
        });
      case 'reset':
        stats.byStatus.reset = (stats.byStatus.reset ?? 0) + 1;
        return req.socket.destroy();
      case 'truncated':
        return send(
          res,
          answer.status,
          answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))),
        );
      case 'error-message-200':
        return send(res, 200, errorBody(FMP_ERRORS.limitReach));
      case 'slow':
        return void setTimeout(() => finish(res, url, answer), faults.slowMs).unref();
      default:
        return finish(res, url, answer);
    }
  };

  const finish = (res: ServerResponse, url: URL, answer: { status: number; body: string }) => {
    if (answer.status === 200 && url.pathname === '/stable/historical-price-eod/full') {
      const key = `${url.searchParams.get('symbol')}|${url.searchParams.get('from')}|${url.searchParams.get('to')}`;
      (stats.served[key] ??= []).push(createHash('sha256').update(answer.body).digest('hex'));
    }
    send(res, answer.status, answer.body);
  };

  const admin = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname === '/__sandbox/stats' && req.method === 'GET')
      return void res.end(JSON.stringify(stats));
    if (url.pathname === '/__sandbox/reset' && req.method === 'POST') {
      reset();
      return void res.end('{}');
    }
    if (url.pathname === '/__sandbox/faults' && req.method === 'PUT') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          faults = validateFaults(JSON.parse(body));
          res.end(JSON.stringify(faults));
        } catch (err) {
          res.writeHead(400).end(JSON.stringify({ error: (err as Error).message }));
        }
      });
      return;
    }
    res.writeHead(404).end(JSON.stringify({ error: `unknown admin route ${req.method} ${url.pathname}` }));
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    stats: () => structuredClone(stats),
    setFaults: (f) => {
      faults = validateFaults({ ...NO_FAULTS, ...f });
    },
    reset,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
