import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@finlake/lake';

/** One measured target: a value, the baseline it is compared with (same run), and the verdict. */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline (or value alone when there is no baseline). */
  ratio?: number;
  target: string;
  pass: boolean;
  note?: string;
}

export interface BenchResult {
  benchmark: string;
  measurements: Measurement[];
  context: Record<string, unknown>;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(3).replace(/\.?0+$/, ''));

export function printResult(r: BenchResult): void {
  console.log(`\n== ${r.benchmark}`);
  for (const m of r.measurements) {
    const base = m.baseline ? ` vs ${m.baseline.name} ${fmt(m.baseline.value)} ${m.unit}` : '';
    const ratio = m.ratio !== undefined ? ` ratio ${fmt(m.ratio)}` : '';
    console.log(
      `  ${m.pass ? 'PASS' : 'MISS'} ${m.name}: ${fmt(m.value)} ${m.unit}${base}${ratio}  (target: ${m.target})${m.note ? ` - ${m.note}` : ''}`,
    );
  }
  const dir = join(findRepoRoot(), 'dist', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${r.benchmark}.json`), `${JSON.stringify(r, null, 2)}\n`);
}
