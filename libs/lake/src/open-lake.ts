import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { awsSettingsFromEnv, createClient } from '@finlake/aws';
import { LocalZoneStore } from './local-store.ts';
import { parseS3Uri, S3ZoneStore } from './s3-store.ts';
import { ZONES, type Lake, type Zone } from './store.ts';

/** The repository root (the folder holding nx.json), or the start folder when there is none. */
export function findRepoRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

const ZONE_URI_ENV: Record<Zone, string> = {
  bronze: 'FINLAKE_BRONZE_URI',
  silver: 'FINLAKE_SILVER_URI',
  gold: 'FINLAKE_GOLD_URI',
};

/**
 * The lake as the environment describes it: a zone whose FINLAKE_<ZONE>_URI is set lives in
 * that S3 bucket; otherwise it is `<FINLAKE_LAKE_ROOT>/<zone>` on disk (default `<repo>/.lake`).
 */
export function openLake(env: NodeJS.ProcessEnv = process.env, s3?: S3Client): Lake {
  const root = resolve(env.FINLAKE_LAKE_ROOT ?? join(findRepoRoot(), '.lake'));
  let client = s3;
  const lake = {} as Lake;
  for (const zone of ZONES) {
    const uri = env[ZONE_URI_ENV[zone]];
    if (uri) {
      try {
        parseS3Uri(uri);
      } catch {
        throw new Error(
          `${ZONE_URI_ENV[zone]}=${JSON.stringify(uri)} is not an s3://bucket[/prefix] URI; unset it to use the local lake`,
        );
      }
      client ??= createClient(S3Client, awsSettingsFromEnv(env));
      lake[zone] = new S3ZoneStore(zone, uri, client);
    } else {
      lake[zone] = new LocalZoneStore(zone, join(root, zone));
    }
  }
  return lake;
}
