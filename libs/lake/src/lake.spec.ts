import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createClient } from '@finlake/aws';
import { startMoto, type MotoServer } from '@finlake/aws/testing';
import { hivePath, LocalZoneStore, openLake, parsePartitions, S3ZoneStore, type ZoneStore } from './index.ts';

async function collect(store: ZoneStore, prefix?: string) {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

/** The same behaviour is required of every backend. */
function zoneStoreContract(name: string, make: () => Promise<ZoneStore>) {
  describe(`${name} zone store`, () => {
    let store: ZoneStore;
    beforeEach(async () => {
      store = await make();
    });

    it('round-trips bytes exactly and overwrites in place', async () => {
      const body = Buffer.from([0, 255, 10, 13, 0x7b]);
      await store.put('source=fmp/year=2023/a.json', body);
      expect(await store.get('source=fmp/year=2023/a.json')).toEqual(body);
      await store.put('source=fmp/year=2023/a.json', '[]');
      expect((await store.get('source=fmp/year=2023/a.json'))?.toString()).toBe('[]');
      expect(await collect(store)).toEqual(['source=fmp/year=2023/a.json']);
    });

    it('answers undefined / false for a missing key', async () => {
      expect(await store.get('nope/x.json')).toBeUndefined();
      expect(await store.exists('nope/x.json')).toBe(false);
    });

    it('lists by key prefix in key order, and deletes', async () => {
      for (const k of ['d=2/b', 'd=1/a', 'd=10/c', 'e/x']) await store.put(k, k);
      expect(await collect(store, 'd=1')).toEqual(['d=1/a', 'd=10/c']);
      expect(await collect(store, 'd=1/')).toEqual(['d=1/a']);
      expect(await collect(store)).toEqual(['d=1/a', 'd=10/c', 'd=2/b', 'e/x']);
      await store.delete('d=1/a');
      expect(await store.exists('d=1/a')).toBe(false);
    });

    it('refuses keys that escape the zone or are malformed', async () => {
      for (const bad of ['../x', 'a//b', '/abs', 'a/./b', 'a b', '']) {
        await expect(store.put(bad, 'x')).rejects.toThrow(/lake key/);
      }
    });
  });
}

zoneStoreContract('local', async () => new LocalZoneStore('bronze', await mkdtemp(join(tmpdir(), 'lake-'))));

describe('S3 (moto server on 127.0.0.1)', () => {
  let moto: MotoServer;
  let client: S3Client;
  let n = 0;
  beforeAll(async () => {
    moto = await startMoto();
    client = createClient(S3Client, moto.settings);
  });
  afterAll(async () => moto?.stop());

  zoneStoreContract('s3', async () => {
    const bucket = `finlake-test-${++n}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return new S3ZoneStore('bronze', `s3://${bucket}/lake`, client);
  });

  it('gives engines an s3:// URI under the prefix', () => {
    expect(new S3ZoneStore('gold', 's3://b-gold/p/', client).uri('t/x.parquet')).toBe(
      's3://b-gold/p/t/x.parquet',
    );
  });
});

describe('local atomicity', () => {
  it('never lists temp files a killed writer left behind, and sweeps them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lake-'));
    const store = new LocalZoneStore('bronze', root);
    await store.put('p=1/ok.json', '[]');
    await writeFile(join(root, 'p=1', '.tmp-deadbeef'), '[{"partial"');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(root, 'p=1', '.tmp-deadbeef'), old, old);
    expect(await collect(store)).toEqual(['p=1/ok.json']);
    expect(await store.sweepTempFiles()).toBe(1);
    expect(await readdir(join(root, 'p=1'))).toEqual(['ok.json']);
    await rm(root, { recursive: true });
  });

  it("sweeps only debris: a live writer's temp file stays while a concurrent ingester starts", async () => {
    const root = await mkdtemp(join(tmpdir(), 'lake-'));
    const store = new LocalZoneStore('bronze', root);
    await store.put('p=1/ok.json', '[]');
    const writer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    const tmp = (name: string) => join(root, 'p=1', name);
    await writeFile(tmp(`.tmp-${hostname()}.${writer.pid}.aa`), 'live writer, mid-put');
    await writeFile(tmp(`.tmp-${hostname()}.${dead.pid}.bb`), 'killed writer');
    await writeFile(tmp('.tmp-other-host.1.cc'), 'another host, just now');
    await writeFile(tmp('.tmp-dd'), 'unnamed, two hours old');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(tmp('.tmp-dd'), twoHoursAgo, twoHoursAgo);
    try {
      expect(await store.sweepTempFiles('p=1/')).toBe(2);
      expect((await readdir(join(root, 'p=1'))).sort()).toEqual(
        [`.tmp-${hostname()}.${writer.pid}.aa`, '.tmp-other-host.1.cc', 'ok.json'].sort(),
      );
    } finally {
      writer.kill('SIGKILL');
    }
    // Once its writer is gone, the same file is debris.
    await once(writer, 'exit');
    expect(await store.sweepTempFiles()).toBe(1);
    await rm(root, { recursive: true });
  });
});

describe('openLake', () => {
  it('uses <FINLAKE_LAKE_ROOT>/<zone> by default and S3 where a zone URI is set', () => {
    const lake = openLake({
      FINLAKE_LAKE_ROOT: '/data/lake',
      FINLAKE_GOLD_URI: 's3://acme-gold/v1',
      AWS_REGION: 'eu-west-1',
    });
    expect(lake.bronze.uri()).toBe('/data/lake/bronze');
    expect(lake.silver.uri()).toBe('/data/lake/silver');
    expect(lake.gold.uri('x')).toBe('s3://acme-gold/v1/x');
  });

  it('names the variable when a zone URI is malformed', () => {
    expect(() => openLake({ FINLAKE_SILVER_URI: 'bucket/silver' })).toThrow(
      /FINLAKE_SILVER_URI="bucket\/silver" is not an s3:\/\//,
    );
  });
});

describe('hive keys', () => {
  it('builds and parses partitions', () => {
    const p = hivePath([
      ['source', 'fmp'],
      ['dataset', 'historical_price_eod'],
      ['year', 2023],
    ]);
    expect(p).toBe('source=fmp/dataset=historical_price_eod/year=2023');
    expect(parsePartitions(`${p}/symbol=AAPL/x.json`)).toEqual({
      source: 'fmp',
      dataset: 'historical_price_eod',
      year: '2023',
      symbol: 'AAPL',
    });
    expect(() => hivePath([['year', '20/23']])).toThrow(/partition year value/);
    expect(() => hivePath([['Year', 1]])).toThrow(/partition name/);
  });
});
