import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';

/** Builds the `finlake` program; subcommands register themselves from ./commands. */
export function buildProgram(): Command {
  const program = new Command('finlake')
    .description('Finlake operator CLI: run the financial data platform locally.')
    .version(process.env.FINLAKE_VERSION ?? '0.1.0')
    .showHelpAfterError(true)
    .showSuggestionAfterError(true)
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI and returns the exit code: 0 on success, 2 on usage errors, 1 on failures. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`finlake: ${(err as Error).message}\n`);
    return 1;
  }
}
