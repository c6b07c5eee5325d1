import { InvalidArgumentError, type Command } from 'commander';
import { startFmpSandbox, validateFaults } from '@finlake/fmp-sandbox';
import { isoInstant } from '../options.ts';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

/** `finlake sandbox fmp`: the local FMP stand-in, until Ctrl-C. Prints one JSON line with its URL. */
export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('local stand-ins for services that cannot run here');
  sandbox
    .command('fmp')
    .description("serve FMP's /stable API on 127.0.0.1 from the bundled real sample")
    .option('--port <n>', 'port (0 picks a free one)', int('--port', 0, 65535), 8089)
    .option('--api-key <key>', 'the only key it accepts', 'sandbox-key')
    .option(
      '--rate-per-min <n>',
      'calls per minute before 429 Limit Reach',
      int('--rate-per-min', 1, 1_000_000),
      300,
    )
    .option(
      '--window-ms <n>',
      'rate-limit window in ms (60000 = per minute, as FMP)',
      int('--window-ms', 100, 3_600_000),
      60_000,
    )
    .option('--premium <symbols>', 'comma-separated symbols answered with 402 (outside the plan)', '')
    .option(
      '--faults <json>',
      'fault probabilities, e.g. \'{"rate503":0.05,"rateSlow":0.1,"slowMs":2000}\'',
      (v) => {
        try {
          return validateFaults(JSON.parse(v));
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      },
    )
    .option('--seed <n>', 'random seed for fault draws', int('--seed', 0, 2 ** 31), 42)
    .option(
      '--news-clock <instant>',
      'freeze the news feed at this instant (default: it grows with the real clock)',
      isoInstant('--news-clock'),
    )
    .action(async (opts) => {
      const clock = opts.newsClock as number | undefined;
      const server = await startFmpSandbox({
        port: opts.port,
        apiKey: opts.apiKey,
        ratePerMin: opts.ratePerMin,
        windowMs: opts.windowMs,
        premiumSymbols: String(opts.premium)
          .split(',')
          .map((s: string) => s.trim())
          .filter(Boolean),
        faults: opts.faults,
        seed: opts.seed,
        ...(clock !== undefined ? { news: { now: () => clock } } : {}),
      });
      process.stdout.write(
        `${JSON.stringify({ event: 'listening', url: server.url, api_key: opts.apiKey })}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
