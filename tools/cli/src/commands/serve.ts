import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { findRepoRoot } from '@finlake/lake';
import { devKeyPair, mintToken } from '@finlake/serving';
import { GOVERNANCE } from '@finlake/platform';
import { PORTFOLIO_ID_PATTERN } from '@finlake/schemas';
import { runAttached } from '../process.ts';

const lakeRoot = () => process.env.FINLAKE_LAKE_ROOT ?? join(findRepoRoot(), '.lake');

/** `finlake serve` (the API on DuckDB over the local gold) and `finlake token` (a local dev JWT). */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the gold API locally on the DuckDB engine (tokens: npx finlake token)')
    .option(
      '--port <n>',
      'port',
      (v) => {
        if (!/^\d+$/.test(v) || Number(v) > 65535)
          throw new InvalidArgumentError('--port must be an integer from 0 to 65535');
        return v;
      },
      '3000',
    )
    .option('--openapi', 'print the OpenAPI document of every route and exit (no gold needed)')
    .action(async (opts) => {
      const main = join(findRepoRoot(), 'apps', 'serving-api', 'src', 'main.ts');
      process.exitCode = await runAttached(
        process.execPath,
        [
          '--conditions=@finlake/source',
          '--import',
          'tsx',
          main,
          ...(opts.openapi ? ['--openapi'] : ['--port', opts.port]),
        ],
        { ...process.env, FINLAKE_LAKE_ROOT: lakeRoot() },
      );
    });
  program
    .command('token')
    .description('mint a dev token, signed with the local dev key (no deployed stage accepts it)')
    .requiredOption('--sub <subject>', 'who the token is for')
    .requiredOption('--portfolios <list>', 'comma-separated portfolio ids, or * for all')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .option(
      '--restricted',
      `add the scope ${GOVERNANCE.restrictedScope}: read restricted gold columns (money amounts)`,
    )
    .action(async (opts) => {
      const list = String(opts.portfolios)
        .split(',')
        .map((s: string) => s.trim())
        .filter(Boolean);
      const re = new RegExp(PORTFOLIO_ID_PATTERN);
      if (opts.portfolios !== '*' && (list.length === 0 || !list.every((p: string) => re.test(p)))) {
        throw new InvalidArgumentError(
          `--portfolios must be * or ids like P001,P002 (pattern ${PORTFOLIO_ID_PATTERN})`,
        );
      }
      const ttl = Number(opts.ttl);
      if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400)
        throw new InvalidArgumentError('--ttl must be 60-86400 seconds');
      const { privateKeyPem } = devKeyPair(join(lakeRoot(), '_state', 'dev-keys'));
      process.stdout.write(
        `${await mintToken(privateKeyPem, {
          sub: opts.sub,
          portfolios: opts.portfolios === '*' ? '*' : list,
          ttlSeconds: ttl,
          scope: opts.restricted ? `summary:read ${GOVERNANCE.restrictedScope}` : 'summary:read',
        })}\n`,
      );
    });
}
