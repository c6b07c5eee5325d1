import type { Command } from 'commander';
import { registerDoctor } from './doctor.ts';
import { registerIngest } from './ingest.ts';
import { registerSandbox } from './sandbox.ts';

/** Every subcommand of `finlake`; each issue adds its own module here. */
export function registerCommands(program: Command): void {
  registerDoctor(program);
  registerIngest(program);
  registerSandbox(program);
}
