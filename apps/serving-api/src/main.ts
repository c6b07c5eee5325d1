/**
 * Local entry point: `node --import tsx apps/serving-api/src/main.ts --port 3000` (what `npx finlake serve`
 * runs); `--openapi` prints the OpenAPI document and exits (the docs site's API reference).
 */
import { parseArgs } from 'node:util';
import { openApiDocument } from './openapi-document.ts';
import { startLocalServer } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    openapi: { type: 'boolean', default: false },
  },
});
if (values.openapi) {
  process.stdout.write(`${JSON.stringify(await openApiDocument(), null, 2)}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(
    `serving-api: --port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}\n`,
  );
  process.exit(2);
}
const { app, address } = await startLocalServer({ port, host: values.host }).catch((err: Error) => {
  // A bad setting, a missing gold file or a taken port: one line saying which, not a stack trace.
  process.stderr.write(`serving-api: ${err.message}\n`);
  process.exit(1);
});
process.stdout.write(`${JSON.stringify({ event: 'listening', url: address })}\n`);
// Graceful stop: finish in-flight requests, close the engine, then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void app.close().then(() => process.exit(0)));
