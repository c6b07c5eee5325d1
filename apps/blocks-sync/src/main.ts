/** Container / CI entry point: `node dist/main.js --env staging`. */
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
