export * from './columns.ts';
export * from './dataset.ts';
export * from './datasets/index.ts';
export { renderArtifacts, renderJsonSchema, renderRepoArtifacts } from './codegen.ts';
export * from './records.ts';
export * from './validate.ts';
export { columnRuleTests, DBT_SOURCES, modelRuleTests, renderDbtArtifacts } from './dbt-yaml.ts';
