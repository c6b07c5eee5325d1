export { freePort, startMoto, type MotoServer } from './moto.ts';
