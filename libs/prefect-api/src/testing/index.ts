export { startPrefectServer, type PrefectServer } from './prefect-server.ts';
