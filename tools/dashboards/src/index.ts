export * from './platform-dashboard.ts';
