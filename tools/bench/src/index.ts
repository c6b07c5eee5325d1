export { benchFmpIngester, FMP_INGESTER_DEFAULTS } from './benchmarks/fmp-ingester.ts';
export { printResult, type BenchResult, type Measurement } from './report.ts';
export { runBenchmarks, BENCHMARKS } from './run.ts';
