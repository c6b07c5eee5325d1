export * from './columns.ts';
export * from './dataset.ts';
export * from './datasets/index.ts';
export { renderArtifacts, renderJsonSchema } from './codegen.ts';
export * from './validate.ts';
export { columnRuleTests, modelRuleTests, renderDbtArtifacts } from './dbt-yaml.ts';
