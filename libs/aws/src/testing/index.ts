export { freePort, repoRoot, startMoto, type MotoServer } from './moto.ts';
