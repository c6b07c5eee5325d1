export { loadSample, rng, syntheticRows, type EodRow } from './data.ts';
export { NO_FAULTS, validateFaults, type FaultConfig } from './faults.ts';
export { startFmpSandbox, type FmpSandbox, type SandboxOptions, type SandboxStats } from './server.ts';
export { FMP_ERRORS, MAX_EOD_ROWS } from './wire.ts';
