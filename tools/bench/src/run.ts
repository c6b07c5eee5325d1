import { benchDbtBuild } from './benchmarks/dbt-build.ts';
import { benchFmpIngester } from './benchmarks/fmp-ingester.ts';
import { benchGlueTransform } from './benchmarks/glue-transform.ts';
import { benchImages } from './benchmarks/images.ts';
import { benchNewsStream } from './benchmarks/news-stream.ts';
import { benchPipeline } from './benchmarks/pipeline.ts';
import { benchScale } from './benchmarks/scale.ts';
import { benchServingApi } from './benchmarks/serving-api.ts';
import { printResult, type BenchResult } from './report.ts';

/** Every registered benchmark; `finlake bench NAME` runs one. */
export const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  'fmp-ingester': () => benchFmpIngester(),
  'glue-transform': () => benchGlueTransform(),
  'dbt-build': () => benchDbtBuild(),
  'serving-api': () => benchServingApi(),
  pipeline: () => benchPipeline(),
  images: () => benchImages(),
  'news-stream': () => benchNewsStream(),
  scale: () => benchScale(),
};

/** Runs the named benchmarks (all when none is named); returns how many targets were missed. */
export async function runBenchmarks(names: string[]): Promise<number> {
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const unknown = selected.filter((n) => !BENCHMARKS[n]);
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
  let missed = 0;
  for (const name of selected) {
    const result = await BENCHMARKS[name]!();
    printResult(result);
    missed += result.measurements.filter((m) => !m.pass).length;
  }
  return missed;
}
