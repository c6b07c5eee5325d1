import { BLOCKS, secretNameOf } from '@finlake/platform';
import { PrefectApi } from '@finlake/prefect-api';
import { startPrefectServer, type PrefectServer } from '@finlake/prefect-api/testing';
import { declarations } from '../src/declarations.ts';
import { main } from '../src/cli.ts';
import { envVarFor } from '../src/secrets.ts';
import { formatChanges, syncBlocks } from '../src/sync.ts';

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXX';
// The names infra creates (the contract), and a bucket name as the stack output gives it.
const SLACK_SECRET = secretNameOf('dev', 'slackWebhookUrl');
const RESULTS = 'finlake-dev-artefacts-a1b2c3';
const secrets = (values: Record<string, string>) => async (name: string) => {
  const v = values[name];
  if (!v) throw new Error(`no secret ${name}`);
  return v;
};

describe('blocks-sync against a real Prefect server on 127.0.0.1', () => {
  let server: PrefectServer;
  let api: PrefectApi;
  beforeAll(async () => {
    server = await startPrefectServer();
    api = new PrefectApi({ apiUrl: server.apiUrl });
  }, 120_000);
  afterAll(() => server?.stop());

  const resolveSecret = secrets({ [SLACK_SECRET]: SLACK });

  it('creates the declared blocks, with references and secrets, then a second run changes nothing', async () => {
    const first = await syncBlocks(api, declarations('dev', { resultsBucket: RESULTS }), { resolveSecret });
    expect(first.map((c) => `${c.action} ${c.type}/${c.name}`).sort()).toEqual([
      `create aws-credentials/${BLOCKS.awsCredentials.name}`,
      `create custom-webhook/${BLOCKS.slackAlerts.name}`,
      `create s3-bucket/${BLOCKS.results.name}`,
    ]);
    const bucket = await api.readBlockDocument('s3-bucket', BLOCKS.results.name);
    const creds = await api.readBlockDocument('aws-credentials', BLOCKS.awsCredentials.name);
    expect(bucket?.data).toMatchObject({
      bucket_name: RESULTS,
      bucket_folder: 'prefect-results',
    });
    expect(bucket?.block_document_references?.credentials?.block_document.id).toBe(creds?.id);
    expect((await api.readBlockDocument('custom-webhook', BLOCKS.slackAlerts.name))?.data.url).toBe(SLACK);

    expect(await syncBlocks(api, declarations('dev', { resultsBucket: RESULTS }), { resolveSecret })).toEqual(
      [],
    );
  });

  it('dry-run shows a change (secrets masked) without applying it; applying it converges', async () => {
    const rotated = secrets({ [SLACK_SECRET]: `${SLACK}-rotated` });
    const plan = await syncBlocks(api, declarations('dev', { region: 'eu-west-1', resultsBucket: RESULTS }), {
      resolveSecret: rotated,
      dryRun: true,
    });
    const text = formatChanges(plan, true);
    expect(text).toMatch(
      /~ update aws-credentials\/finlake-aws\n {4}region_name: "us-east-1" -> "eu-west-1"/,
    );
    expect(text).toMatch(/url: <secret> -> <secret>/);
    expect(text).not.toContain('XXXX');
    expect(
      (await api.readBlockDocument('aws-credentials', BLOCKS.awsCredentials.name))?.data.region_name,
    ).toBe('us-east-1');

    await syncBlocks(api, declarations('dev', { region: 'eu-west-1', resultsBucket: RESULTS }), {
      resolveSecret: rotated,
    });
    expect((await api.readBlockDocument('custom-webhook', BLOCKS.slackAlerts.name))?.data.url).toBe(
      `${SLACK}-rotated`,
    );
    expect(
      await syncBlocks(api, declarations('dev', { region: 'eu-west-1', resultsBucket: RESULTS }), {
        resolveSecret: rotated,
      }),
    ).toEqual([]);
  });

  it('--prune removes undeclared blocks of the managed types only', async () => {
    const type = await api.readBlockType('custom-webhook');
    const schema = await api.latestBlockSchema(type.id);
    await api.createBlockDocument({
      name: 'old-alerts',
      data: { name: 'old', url: SLACK },
      blockTypeId: type.id,
      blockSchemaId: schema.id,
    });
    const rotated = secrets({ [SLACK_SECRET]: `${SLACK}-rotated` });
    const kept = await syncBlocks(api, declarations('dev', { region: 'eu-west-1', resultsBucket: RESULTS }), {
      resolveSecret: rotated,
    });
    expect(kept).toEqual([]);
    const pruned = await syncBlocks(
      api,
      declarations('dev', { region: 'eu-west-1', resultsBucket: RESULTS }),
      {
        resolveSecret: rotated,
        prune: true,
      },
    );
    expect(pruned).toEqual([
      { action: 'delete', type: 'custom-webhook', name: 'old-alerts', details: ['not declared'] },
    ]);
    expect(await api.readBlockDocument('custom-webhook', 'old-alerts')).toBeUndefined();
  });

  it('names every missing secret, and the CLI exits 1 with it (locally secrets come from FINLAKE_SECRET_*)', async () => {
    await expect(
      syncBlocks(api, declarations('staging', { resultsBucket: RESULTS }), { resolveSecret: secrets({}) }),
    ).rejects.toThrow(
      `cannot resolve the secrets the blocks need:\n  - ${secretNameOf('staging', 'slackWebhookUrl')}`,
    );
    const local = envVarFor(secretNameOf('local', 'slackWebhookUrl'));
    expect(local).toBe('FINLAKE_SECRET_LOCAL_SLACK_WEBHOOK_URL');
    expect(await main(['--env', 'local'], { PREFECT_API_URL: server.apiUrl })).toBe(1);
    expect(
      await main(['--env', 'local'], {
        PREFECT_API_URL: server.apiUrl,
        [local]: 'http://127.0.0.1:9/hook',
      }),
    ).toBe(0);
    expect(await main(['--env', 'qa'], {})).toBe(2);
    // Outside local the results bucket is the stack's (its output), never a name guessed here.
    expect(await main(['--env', 'staging'], { PREFECT_API_URL: server.apiUrl })).toBe(2);
  });
});
