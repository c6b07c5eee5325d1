import { Writable } from 'node:stream';
import { createLogger, redactString, runContextFromEnv, runIdFromEnv } from './index.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON with service, env, version and the Prefect run ids', () => {
    const { lines, destination } = capture();
    const log = createLogger({
      service: 'fmp-ingester',
      version: '1.2.3',
      destination,
      environment: {
        FINLAKE_ENV: 'staging',
        PREFECT__FLOW_RUN_ID: 'flow-123',
        PREFECT__TASK_RUN_ID: 'task-9',
      },
    });
    log.info({ symbols: 2 }, 'started');
    expect(lines[0]).toMatchObject({
      service: 'fmp-ingester',
      env: 'staging',
      version: '1.2.3',
      flow_run_id: 'flow-123',
      task_run_id: 'task-9',
      level: 'info',
      msg: 'started',
      symbols: 2,
    });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('omits run ids outside a Prefect run', () => {
    const { lines, destination } = capture();
    createLogger({ service: 's', destination, environment: {} }).info('x');
    expect(lines[0]).not.toHaveProperty('flow_run_id');
    expect(lines[0]).toMatchObject({ env: 'local' });
  });

  it('redacts API keys in URLs, Authorization headers and anything named like a secret', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 's', destination, environment: {} });
    log.warn(
      {
        url: 'https://financialmodelingprep.com/stable/x?symbol=AAPL&apikey=abc123secret',
        req: { headers: { authorization: 'Bearer eyJhbGciOi.x.y', accept: 'json' } },
        config: { FMP_API_KEY: 'abc123secret', dbPassword: 'hunter2', clientSecret: 's3', limit: 5 },
        err: new Error('GET /x?apikey=abc123secret failed'),
      },
      'calling https://h/p?token=tok-1&symbol=MSFT',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['abc123secret', 'eyJhbGciOi', 'hunter2', '"s3"', 'tok-1'])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ config: { limit: 5 }, req: { headers: { accept: 'json' } } });
    expect(text).toContain('symbol=AAPL');
    expect(text).toContain('symbol=MSFT');
  });
});

describe('redactString', () => {
  it('keeps the rest of the URL intact', () => {
    expect(redactString('/stable/eod?apikey=K&symbol=A')).toBe('/stable/eod?apikey=[REDACTED]&symbol=A');
    expect(redactString('no secrets here')).toBe('no secrets here');
  });
});

describe('runContextFromEnv', () => {
  it('ignores blank values', () => {
    expect(runContextFromEnv({ PREFECT__FLOW_RUN_ID: '  ' })).toEqual({});
  });
});

describe('runIdFromEnv', () => {
  it('is the Prefect flow run id when there is one, else a local id safe as a key segment', () => {
    expect(runIdFromEnv({ PREFECT__FLOW_RUN_ID: 'abc-123' })).toBe('abc-123');
    expect(runIdFromEnv({ PREFECT__FLOW_RUN_ID: '../etc' })).toMatch(/^local-\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect(runIdFromEnv({})).toMatch(/^local-\d{8}T\d{6}-[0-9a-f]{6}$/);
  });
});
