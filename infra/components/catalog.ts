// Glue catalog tables generated from the dataset contracts in libs/schemas (one schema, every language).
import type * as aws from '@pulumi/aws';
import { columnsOf, decimalOf, type BaseSqlType, type Dataset, type SqlType } from '@finlake/schemas';

const GLUE_BASE_TYPES: Record<BaseSqlType, string> = {
  string: 'string',
  date: 'date',
  timestamp: 'timestamp',
  double: 'double',
  bigint: 'bigint',
  integer: 'int',
  boolean: 'boolean',
};

/** Hive's spelling of a contract type: Glue and Athena read `decimal(18,2)` as Parquet's decimal. */
const glueType = (t: SqlType): string => (decimalOf(t) ? t : GLUE_BASE_TYPES[t as BaseSqlType]);

/**
 * A Parquet table's storage descriptor, columns and partition keys from its contract, with partition
 * projection (no crawler, no MSCK REPAIR: Athena computes the partitions from the key ranges).
 */
export function glueTableArgs(
  dataset: Dataset,
  location: string,
  firstYear = 1990,
): Pick<
  aws.glue.CatalogTableArgs,
  'tableType' | 'parameters' | 'storageDescriptor' | 'partitionKeys' | 'description'
> {
  // Keys Athena can compute from their range (silver's year/month) or take from the query (a run id) are
  // projected; any other key (gold's summary_month) is registered partition by partition by its publisher.
  const projectable = dataset.partitionBy.every((p) => ['year', 'month', 'run_id'].includes(p.name));
  const projection: Record<string, string> = {};
  for (const p of dataset.partitionBy) {
    if (p.name === 'year')
      Object.assign(projection, {
        'projection.year.type': 'integer',
        'projection.year.range': `${firstYear},2100`,
      });
    else if (p.name === 'month')
      Object.assign(projection, { 'projection.month.type': 'integer', 'projection.month.range': '1,12' });
    else Object.assign(projection, { [`projection.${p.name}.type`]: 'injected' });
  }
  return {
    description: dataset.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      // Which zone's rules apply (gold: every column LF-tagged, see infra/policy).
      'finlake.zone': dataset.zone,
      'parquet.compression': 'SNAPPY',
      ...(dataset.partitionBy.length && projectable ? { 'projection.enabled': 'true', ...projection } : {}),
    },
    partitionKeys: dataset.partitionBy.map((p) => ({
      name: p.name,
      type: glueType(p.sqlType),
      comment: p.description,
    })),
    storageDescriptor: {
      location,
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serDeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        parameters: { 'serialization.format': '1' },
      },
      columns: columnsOf(dataset)
        .filter((c) => !dataset.partitionBy.some((p) => p.name === c.name))
        .map((c) => ({ name: c.name, type: glueType(c.sqlType), comment: c.description })),
    },
  };
}
