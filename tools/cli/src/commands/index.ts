import type { Command } from 'commander';
import { registerBench } from './bench.ts';
import { registerDoctor } from './doctor.ts';
import { registerGold } from './gold.ts';
import { registerIngest } from './ingest.ts';
import { registerLogs } from './logs.ts';
import { registerModels } from './models.ts';
import { registerNews, registerStream } from './news.ts';
import { registerPipeline } from './pipeline.ts';
import { registerSandbox } from './sandbox.ts';
import { registerServe } from './serve.ts';
import { registerTransform } from './transform.ts';
import { registerTwin } from './twin.ts';

/** Every subcommand of `finlake`; each issue adds its own module here. */
export function registerCommands(program: Command): void {
  registerBench(program);
  registerDoctor(program);
  registerGold(program);
  registerIngest(program);
  registerLogs(program);
  registerModels(program);
  registerNews(program);
  registerStream(program);
  registerPipeline(program);
  registerSandbox(program);
  registerServe(program);
  registerTransform(program);
  registerTwin(program);
}
