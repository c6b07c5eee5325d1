import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';
import type { BenchResult, Measurement } from '../report.ts';
import { landSyntheticBronze } from './ingest-fixture.ts';

interface SizeResult {
  label: string;
  rows: number;
  duckdb_cold_s: number;
  duckdb_warm_s: number;
  spark_cold_s: number;
  spark_warm_s: number;
  spark_startup_s: number;
  spark_timings: Record<string, number>[];
}

/**
 * The bronze-to-silver Spark job against a DuckDB implementation of the same transform (same files,
 * rules, dedupe and partitioned Parquet output), at ~100k and ~1M rows of real connector output.
 * Both engines run twice: cold (the first job of a fresh Spark JVM, as on Glue) and warm.
 * Target: Spark within 3x of DuckDB at 1M rows (judged warm; cold reported beside it).
 */
export async function benchGlueTransform(): Promise<BenchResult> {
  const root = findRepoRoot();
  const python = join(root, '.venv', 'bin', 'python');
  const script = join(root, 'apps', 'glue-bronze-to-silver', 'bench', 'bench_transform.py');
  const sizes = [
    { label: '100k', symbols: 15 }, // 15 x 6,783 weekdays (1995-2020) = 101,745 rows
    { label: '1M', symbols: 148 }, // 148 x 6,783 = 1,003,884 rows
  ];
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const lake = mkdtempSync(join(tmpdir(), `bench-glue-${size.label}-`));
    try {
      await landSyntheticBronze(lake, size.symbols, '1995-01-02', '2020-12-31');
      const r = spawnSync(
        python,
        [script, '--bronze', join(lake, 'bronze'), '--work', join(lake, 'work'), '--label', size.label],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      if (r.status !== 0) throw new Error(`bench_transform.py failed: ${r.stderr.slice(-2000)}`);
      results.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  }
  const measurements: Measurement[] = [];
  for (const r of results) {
    for (const phase of ['warm', 'cold'] as const) {
      const spark = r[`spark_${phase}_s`];
      const duck = r[`duckdb_${phase}_s`];
      measurements.push({
        name: `${r.label} rows (${r.rows}) ${phase}: Spark rows/s`,
        value: r.rows / spark,
        unit: 'rows/s',
        baseline: { name: 'DuckDB', value: r.rows / duck },
        ratio: spark / duck,
        target: r.label === '1M' && phase === 'warm' ? 'Spark time <= 3x DuckDB' : 'reported',
        pass: r.label === '1M' && phase === 'warm' ? spark / duck <= 3 : true,
        note: `Spark ${spark}s vs DuckDB ${duck}s`,
      });
    }
  }
  const [small, large] = results as [SizeResult, SizeResult];
  return {
    benchmark: 'glue-transform',
    measurements,
    context: {
      scaling_100k_to_1M: {
        rows_factor: large.rows / small.rows,
        spark_time_factor_warm: large.spark_warm_s / small.spark_warm_s,
        duckdb_time_factor_warm: large.duckdb_warm_s / small.duckdb_warm_s,
      },
      spark_startup_s: results.map((r) => r.spark_startup_s),
      spark_phase_timings_warm: Object.fromEntries(results.map((r) => [r.label, r.spark_timings[1]])),
    },
  };
}
