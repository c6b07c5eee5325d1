export { LocalFirehose, type LocalFirehoseOptions } from './firehose.ts';
export { ensureStream, localKinesisClient, startKinesis, type LocalKinesis } from './kinesis.ts';
export {
  hashKey,
  SHARD_BYTES_PER_S,
  SHARD_RECORDS_PER_S,
  startLimitsProxy,
  type LimitsProxy,
  type LimitsProxyOptions,
  type LimitsProxyStats,
} from './limits-proxy.ts';
