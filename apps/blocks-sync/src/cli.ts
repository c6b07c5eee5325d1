import { parseArgs } from 'node:util';
import { PrefectApi } from '@finlake/prefect-api';
import { declarations, ENVS, type Env } from './declarations.ts';
import { secretResolver } from './secrets.ts';
import { formatChanges, syncBlocks } from './sync.ts';

export const USAGE = `Usage: blocks-sync --env local|dev|staging|prod [--results-bucket NAME] [--dry-run] [--prune] [--secrets env|aws]

Upserts the Prefect blocks declared for the environment through PREFECT_API_URL (with
PREFECT_API_AUTH_STRING, or PREFECT_API_KEY, if set).
  --results-bucket  the stack's artefacts bucket (pulumi stack output artefactsBucket); needed outside local
  --dry-run   print the differences, change nothing
  --prune     also delete blocks of the managed types that are not declared
  --secrets   where secret values come from: aws (Secrets Manager, default outside local) or env
              (FINLAKE_SECRET_<NAME> variables, default for local)
Exit status: 0 done, 1 failed, 2 bad arguments.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        env: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        prune: { type: 'boolean', default: false },
        secrets: { type: 'string' },
        'results-bucket': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`blocks-sync: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.env || !ENVS.includes(values.env as Env)) {
    process.stderr.write(`blocks-sync: --env must be one of ${ENVS.join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  const target = values.env as Env;
  const source = (values.secrets ?? (target === 'local' ? 'env' : 'aws')) as 'env' | 'aws';
  if (source !== 'env' && source !== 'aws') {
    process.stderr.write(`blocks-sync: --secrets must be env or aws\n`);
    return 2;
  }
  const resultsBucket = values['results-bucket'];
  if (target !== 'local' && !resultsBucket) {
    process.stderr.write(
      `blocks-sync: --results-bucket is needed for ${target}: the stack's artefacts bucket (pulumi stack output artefactsBucket)\n`,
    );
    return 2;
  }
  try {
    const api = PrefectApi.fromEnv(env);
    const decls = declarations(target, {
      region: env.AWS_REGION,
      resultsBucket,
      localResultsDir: env.FINLAKE_PREFECT_RESULTS_DIR,
    });
    const changes = await syncBlocks(api, decls, {
      resolveSecret: secretResolver(source, env),
      dryRun: values['dry-run'],
      prune: values.prune,
    });
    process.stdout.write(`${formatChanges(changes, values['dry-run'] ?? false)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`blocks-sync: ${(err as Error).message}\n`);
    return 1;
  }
}
