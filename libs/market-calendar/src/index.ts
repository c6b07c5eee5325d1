export * from './calendar.ts';
export * from './new-york-time.ts';
