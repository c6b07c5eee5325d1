import type { Command } from 'commander';
import { main as ingesterMain } from '@finlake/fmp-connector';

/** `finlake ingest fmp ...`: runs the FMP connector in-process; its own parser owns the flags. */
export function registerIngest(program: Command): void {
  const ingest = program.command('ingest').description('land source data in the bronze zone');
  ingest
    .command('fmp')
    .description('fetch FMP end-of-day prices into bronze (see `finlake ingest fmp --help`)')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[args...]')
    .action(async (args: string[]) => {
      process.exitCode = await ingesterMain(args);
    });
}
