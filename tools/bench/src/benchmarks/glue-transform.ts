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
  rows_only_in_spark: number;
  rows_only_in_duckdb: number;
}

/**
 * The bronze-to-silver Spark job against a DuckDB implementation of the same transform (same files,
 * rules, dedupe, exact-decimal prices and partitioned Parquet output, checked equal row for row), at ~1M
 * and ~10M rows of real connector output. Both engines run twice: cold (the first job of a fresh Spark
 * JVM, as on Glue) and warm. Targets (the scale issue): Spark warm <= 2x DuckDB warm at 10M rows, and
 * 1M -> 10M rows costs Spark <= 10x the time (no worse than linear).
 */
export async function benchGlueTransform(): Promise<BenchResult> {
  const root = findRepoRoot();
  const python = join(root, '.venv', 'bin', 'python');
  const script = join(root, 'apps', 'glue-bronze-to-silver', 'bench', 'bench_transform.py');
  const sizes = [
    { label: '1M', symbols: 148 }, // 148 x 6,783 weekdays (1995-2020) = 1,003,884 rows
    { label: '10M', symbols: 1480 }, // 1,480 x 6,783 = 10,038,840 rows
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
        target: r.label === '10M' && phase === 'warm' ? 'Spark time <= 2x DuckDB, rows equal' : 'rows equal',
        pass:
          r.rows_only_in_spark === 0 &&
          r.rows_only_in_duckdb === 0 &&
          (r.label !== '10M' || phase !== 'warm' || spark / duck <= 2),
        note: `Spark ${spark}s vs DuckDB ${duck}s; ${r.rows_only_in_spark} rows only in Spark's silver, ${r.rows_only_in_duckdb} only in DuckDB's`,
      });
    }
  }
  const [small, large] = results as [SizeResult, SizeResult];
  const growth = large.spark_warm_s / small.spark_warm_s;
  measurements.push({
    name: `Spark warm time, 1M -> 10M rows`,
    value: large.spark_warm_s,
    unit: 's',
    baseline: { name: '1M rows, same run', value: small.spark_warm_s },
    ratio: growth,
    target: `<= 10x for ${(large.rows / small.rows).toFixed(1)}x the rows`,
    pass: growth <= 10,
    note: `DuckDB grows ${(large.duckdb_warm_s / small.duckdb_warm_s).toFixed(1)}x`,
  });
  return {
    benchmark: 'glue-transform',
    measurements,
    context: {
      scaling_1M_to_10M: {
        rows_factor: large.rows / small.rows,
        spark_time_factor_warm: growth,
        duckdb_time_factor_warm: large.duckdb_warm_s / small.duckdb_warm_s,
      },
      spark_startup_s: results.map((r) => r.spark_startup_s),
      spark_phase_timings_warm: Object.fromEntries(results.map((r) => [r.label, r.spark_timings[1]])),
    },
  };
}
