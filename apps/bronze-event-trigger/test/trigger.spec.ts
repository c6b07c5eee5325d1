import { Writable } from 'node:stream';
import { createLogger } from '@finlake/logging';
import { PrefectApi } from '@finlake/prefect-api';
import { startPrefectServer, type PrefectServer } from '@finlake/prefect-api/testing';
import {
  DEPLOYMENTS,
  FMP_EOD_PRICES,
  bronzeObjectKey,
  deploymentPath,
  manifestKey,
  sidecarKey,
} from '@finlake/platform';
import { handleObjectCreated, parseBronzeKey } from '../src/trigger.ts';

const logger = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
// Keys as the connector writes them (the contract's key functions), URL-encoded as S3 sends them.
const s3Encoded = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%3D/g, '=');
const MANIFEST = manifestKey(FMP_EOD_PRICES, 'ingest-run-1', 'event');
const KEY = s3Encoded(MANIFEST);
const DATA = s3Encoded(
  bronzeObjectKey(FMP_EOD_PRICES, { symbol: '^GSPC', from: '2019-01-01', to: '2020-12-31' }),
);
const ON_EVENT = DEPLOYMENTS.bronzeToSilverOnEvent;
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
  it('reads the batch of an event-handoff run manifest (URL-encoded, as S3 sends it)', () => {
    expect(parseBronzeKey(KEY)).toEqual({ dataset: FMP_EOD_PRICES, handoff: 'event', runId: 'ingest-run-1' });
  });
  it('ignores data objects, sidecars, pipeline manifests and temp files: one run per batch, not per object', () => {
    expect(parseBronzeKey(DATA)).toBeUndefined();
    expect(parseBronzeKey(sidecarKey(DATA))).toBeUndefined();
    expect(parseBronzeKey(manifestKey(FMP_EOD_PRICES, 'r', 'pipeline'))).toBeUndefined();
    expect(parseBronzeKey(`${MANIFEST.slice(0, MANIFEST.lastIndexOf('/'))}/.tmp-abc`)).toBeUndefined();
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
    deploymentId = (await api.ensureDeployment(ON_EVENT.flow, ON_EVENT.name)).id;
  }, 120_000);
  afterAll(() => server?.stop());

  const deps = () => ({ api, deployment: deploymentPath(ON_EVENT), logger });

  it('creates one flow run for a duplicated event, with the manifest`s key as its parameter', async () => {
    const first = await handleObjectCreated(event(), deps());
    const again = await handleObjectCreated(event(), deps());
    expect(first).toMatchObject({ status: 'created' });
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(
      again.status !== 'ignored' && first.status !== 'ignored' && again.flowRunId === first.flowRunId,
    ).toBe(true);
    const runs = await api.flowRunsOfDeployment(deploymentId);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.parameters).toEqual({ manifest_key: MANIFEST });
  });

  it('processes a changed object (new etag) again', async () => {
    const before = (await api.flowRunsOfDeployment(deploymentId)).length;
    expect(await handleObjectCreated(event(KEY, 'etag-2'), deps())).toMatchObject({ status: 'created' });
    expect(await api.flowRunsOfDeployment(deploymentId)).toHaveLength(before + 1);
  });

  it('ignores objects that are not event manifests and rejects events that are not S3 Object Created', async () => {
    expect(await handleObjectCreated(event(DATA), deps())).toEqual({
      status: 'ignored',
      reason: 'not an event-handoff run manifest',
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
