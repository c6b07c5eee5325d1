/** Container entry point: `node dist/main.js --symbols ... --from ... --to ...`. */
import { main } from '@finlake/fmp-connector';

process.exitCode = await main(process.argv.slice(2));
