export { assertValidKey, hivePath, joinKey, parsePartitions, type PartitionValue } from '@finlake/platform';
export { LocalZoneStore } from './local-store.ts';
export { findRepoRoot, openLake } from './open-lake.ts';
export { parseS3Uri, S3ZoneStore } from './s3-store.ts';
export { ZONES, type Lake, type ObjectInfo, type PutOptions, type Zone, type ZoneStore } from './store.ts';
