import type * as pulumi from '@pulumi/pulumi';
import { ARTIFACTS, LAKE_LAYOUT, staticPrefix } from '@finlake/platform';
import { athenaQueries, bucketAccess, glueCatalogAccess, kmsUse, type Statement } from './iam.ts';

export interface DbtAccessInputs {
  workGroupArn: string;
  silverBucketArn: string;
  goldBucketArn: string;
  resultsBucketArn: string;
  artefactsBucketArn: string;
  kmsKeyArn: string;
  silverDatabase: string;
  candidatesDatabase: string;
  region: string;
  accountId: string;
}

/**
 * The dbt runner's task role (`dbt build` on Athena in its ephemeral task): reads silver, writes gold
 * candidates only (their prefix and database; the served table is infra's, switched by publish), and
 * puts its run results where the flow's gate reads them.
 */
export function dbtStatements(i: DbtAccessInputs): Statement[] {
  return [
    athenaQueries(i.workGroupArn, ['athena:StopQueryExecution']),
    glueCatalogAccess('ReadSilverCatalog', i.region, i.accountId, i.silverDatabase, [
      'glue:GetDatabase',
      'glue:GetTable',
      'glue:GetTables',
      'glue:GetPartitions',
    ]),
    glueCatalogAccess('WriteCandidatesCatalog', i.region, i.accountId, i.candidatesDatabase, [
      'glue:GetDatabase',
      'glue:GetTable',
      'glue:GetTables',
      'glue:CreateTable',
      'glue:UpdateTable',
      'glue:DeleteTable',
      'glue:GetPartitions',
      'glue:BatchCreatePartition',
      'glue:BatchDeletePartition',
    ]),
    ...bucketAccess('Silver', i.silverBucketArn, 'read'),
    ...bucketAccess('GoldCandidates', i.goldBucketArn, 'readwrite', staticPrefix(LAKE_LAYOUT.gold.candidate)),
    ...bucketAccess('Results', i.resultsBucketArn, 'readwrite'),
    ...bucketAccess('RunResults', i.artefactsBucketArn, 'write', staticPrefix(ARTIFACTS.dbtRunResults)),
    kmsUse(i.kmsKeyArn),
  ];
}

export const dbtAccess = (inputs: { [K in keyof DbtAccessInputs]: pulumi.Input<string> }) => {
  const keys = Object.keys(inputs) as (keyof DbtAccessInputs)[];
  return {
    inputs: keys.map((k) => inputs[k]),
    statements: (resolved: string[]) =>
      dbtStatements(Object.fromEntries(keys.map((k, i) => [k, resolved[i]!])) as unknown as DbtAccessInputs),
  };
};
