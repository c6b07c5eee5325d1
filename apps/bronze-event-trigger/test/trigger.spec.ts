import { Writable } from 'node:stream';
import { createLogger } from '@finlake/logging';
import { PrefectApi } from '@finlake/prefect-api';
import { startPrefectServer, type PrefectServer } from '@finlake/prefect-api/testing';
import { handleObjectCreated, parseBronzeKey } from '../src/trigger.ts';

const logger = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const KEY =
  'source=fmp/dataset=historical_price_eod/year=2019/symbol=%5EGSPC/%5EGSPC_2019-01-01_2020-12-31.json';
const event = (key = KEY, etag = 'etag-1') => ({
  version: '0',
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: {
    bucket: { name: 'finlake-dev-bronze' },
    object: { key, etag, size: 1234, sequencer: '0055AED6DCD90281E5' },
  },
});

describe('parseBronzeKey', () => {
  it('reads the window and symbol of a bronze data object (URL-encoded, as S3 sends it)', () => {
    expect(parseBronzeKey(KEY)).toEqual({
      dataset: 'historical_price_eod',
      symbol: '^GSPC',
      from: '2019-01-01',
      to: '2020-12-31',
    });
  });
  it('ignores sidecars, manifests and temp files', () => {
    expect(parseBronzeKey(`${KEY}.meta`)).toBeUndefined();
    expect(
      parseBronzeKey('_manifests/source=fmp/dataset=historical_price_eod/run_id=x.json'),
    ).toBeUndefined();
    expect(
      parseBronzeKey('source=fmp/dataset=historical_price_eod/year=2019/symbol=A/.tmp-abc'),
    ).toBeUndefined();
  });
});

describe('handleObjectCreated against a real Prefect server on 127.0.0.1', () => {
  let server: PrefectServer;
  let api: PrefectApi;
  let deploymentId: string;
  beforeAll(async () => {
    // With basic auth on, as the deployed server runs (PREFECT_SERVER_API_AUTH_STRING).
    server = await startPrefectServer({ authString: 'finlake:trigger-test-secret' });
    api = new PrefectApi({ apiUrl: server.apiUrl, authString: server.authString });
    deploymentId = (await api.ensureDeployment('bronze-to-silver-fmp', 'bronze-to-silver-on-event')).id;
  }, 120_000);
  afterAll(() => server?.stop());

  const deps = () => ({ api, deployment: 'bronze-to-silver-fmp/bronze-to-silver-on-event', logger });

  it('creates one flow run for a duplicated event, with the object`s window as parameters', async () => {
    const first = await handleObjectCreated(event(), deps());
    const again = await handleObjectCreated(event(), deps());
    expect(first).toMatchObject({ status: 'created' });
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(
      again.status !== 'ignored' && first.status !== 'ignored' && again.flowRunId === first.flowRunId,
    ).toBe(true);
    const runs = await api.flowRunsOfDeployment(deploymentId);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.parameters).toEqual({ date_from: '2019-01-01', date_to: '2020-12-31' });
  });

  it('processes a changed object (new etag) again', async () => {
    const before = (await api.flowRunsOfDeployment(deploymentId)).length;
    expect(await handleObjectCreated(event(KEY, 'etag-2'), deps())).toMatchObject({ status: 'created' });
    expect(await api.flowRunsOfDeployment(deploymentId)).toHaveLength(before + 1);
  });

  it('ignores objects that are not bronze data and rejects events that are not S3 Object Created', async () => {
    expect(await handleObjectCreated(event(`${KEY}.meta`), deps())).toEqual({
      status: 'ignored',
      reason: 'not a bronze data object',
    });
    await expect(handleObjectCreated({ source: 'aws.s3', detail: {} }, deps())).rejects.toThrow(
      /not an S3 "Object Created" EventBridge event/,
    );
  });

  it('is refused by the server without its auth string, with the server`s answer named', async () => {
    const anonymous = new PrefectApi({ apiUrl: server.apiUrl, attempts: 1 });
    await expect(anonymous.readDeploymentByName('bronze-to-silver-fmp', 'x')).rejects.toThrow(/401/);
  });

  it('says what to do when the deployment does not exist', async () => {
    await expect(handleObjectCreated(event(), { ...deps(), deployment: 'nope/missing' })).rejects.toThrow(
      /deploy apps\/flows/,
    );
  });
});
