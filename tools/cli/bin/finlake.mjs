#!/usr/bin/env node
// Runs the CLI straight from its TypeScript sources: tsx compiles on the fly and a resolve hook
// adds the `@finlake/source` export condition, so in-repo packages resolve to their src/.
// No build step stands between a change and `npx finlake`.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./source-condition.mjs', import.meta.url);
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
