import type { Command } from 'commander';
import { BENCHMARKS, runBenchmarks } from '@finlake/bench';

/** `finlake bench [names...]`: performance targets as same-run ratios (results in dist/bench/). */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(`run performance benchmarks (${Object.keys(BENCHMARKS).join(', ')}); all when none is named`)
    .argument('[names...]')
    .action(async (names: string[]) => {
      const missed = await runBenchmarks(names);
      console.log(missed === 0 ? '\nbench: every target met' : `\nbench: ${missed} target(s) missed`);
    });
}
