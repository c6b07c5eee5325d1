import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrefectApi, PrefectApiError } from './index.ts';

let server: Server;
let url: string;
let answers: [number, string][] = [];
let calls = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    calls++;
    const [status, body] = answers.shift() ?? [500, 'no answer queued'];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answers = [];
  calls = 0;
});

describe('PrefectApi', () => {
  it('retries a 5xx and then succeeds', async () => {
    answers = [
      [503, 'busy'],
      [200, '{"id":"d1","name":"n","flow_id":"f"}'],
    ];
    expect(await new PrefectApi({ apiUrl: url }).readDeploymentByName('f', 'n')).toMatchObject({ id: 'd1' });
    expect(calls).toBe(2);
  });

  it('answers undefined for a missing deployment', async () => {
    answers = [[404, '{"detail":"Deployment not found"}']];
    expect(await new PrefectApi({ apiUrl: url }).readDeploymentByName('f', 'missing')).toBeUndefined();
  });

  it('names the call and the server`s answer on a client error, without retrying', async () => {
    answers = [[422, '{"detail":"bad parameters"}']];
    const err = await new PrefectApi({ apiUrl: url })
      .createFlowRunFromDeployment('d1', { parameters: {}, idempotencyKey: 'k' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PrefectApiError);
    expect(err.message).toMatch(/POST \/deployments\/d1\/create_flow_run answered 422: .*bad parameters/);
    expect(calls).toBe(1);
  });

  it('sends Basic auth for a self-hosted auth string, Bearer for a Cloud key, and refuses both at once', async () => {
    const seen: (string | undefined)[] = [];
    const probe = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(404).end('{}');
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/api`;
    await PrefectApi.fromEnv({
      PREFECT_API_URL: base,
      PREFECT_API_AUTH_STRING: 'admin:s3cret',
    }).readDeploymentByName('f', 'd');
    await new PrefectApi({ apiUrl: base, apiKey: 'pnu_key' }).readDeploymentByName('f', 'd');
    await new Promise<void>((r) => probe.close(() => r()));
    expect(seen).toEqual([`Basic ${Buffer.from('admin:s3cret').toString('base64')}`, 'Bearer pnu_key']);
    expect(() => new PrefectApi({ apiUrl: base, authString: 'no-colon' })).toThrow(/user:password/);
    expect(() => new PrefectApi({ apiUrl: base, apiKey: 'k', authString: 'a:b' })).toThrow(/not both/);
  });

  it('refuses a malformed API URL with the expected form', () => {
    expect(() => PrefectApi.fromEnv({})).toThrow(/PREFECT_API_URL is not set/);
    expect(() => new PrefectApi({ apiUrl: 'localhost:4200' })).toThrow(/not an http\(s\) URL/);
  });
});
