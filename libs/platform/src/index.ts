export * from './keys.ts';
export * from './templates.ts';
export * from './lake.ts';
export * from './stream.ts';
export * from './secrets.ts';
export * from './prefect.ts';
export * from './services.ts';
export * from './governance.ts';
export { renderPlatformJson, renderPrefectYaml } from './render.ts';
