/**
 * Prints a stack as the program would create it, rendered under Pulumi's mocks (no CLI, no cloud):
 * every resource's type, name, id and inputs, and the stack outputs, as JSON. The AWS twin provisions
 * its stand-ins from this.
 *   node --conditions=@finlake/source --import tsx infra/render/main.ts <dev|staging|prod>
 */
import { runUnderMocks, stackConfig } from './mocks.ts';

const stack = process.argv[2];
if (!stack || !['dev', 'staging', 'prod'].includes(stack)) {
  process.stderr.write('usage: render/main.ts <dev|staging|prod>\n');
  process.exit(2);
}
const { resources, outputs } = await runUnderMocks(
  stack,
  () => import('../index.ts'),
  // The FMP key is a `secure:` value in the committed stack file: the render gets a stand-in.
  stackConfig(stack, { 'finlake:fmpApiKey': 'rendered-fmp-key' }),
  ['finlake:fmpApiKey'],
);
/** Assets and archives carry their paths as promises: resolved, so a reader can build the same files. */
async function plain(v: unknown): Promise<unknown> {
  if (v && typeof (v as { then?: unknown }).then === 'function') return plain(await (v as Promise<unknown>));
  if (Array.isArray(v)) return Promise.all(v.map(plain));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await plain(x);
    return out;
  }
  return v;
}
const doc = {
  stack,
  resources: await Promise.all(
    resources.map(async ({ type, name, id, inputs }) => ({ type, name, id, inputs: await plain(inputs) })),
  ),
  outputs,
};
// Exit once the whole document is written (a pipe takes it in chunks; Pulumi's runtime keeps handles open).
process.stdout.write(`${JSON.stringify(doc)}\n`, () => process.exit(0));
