#!/usr/bin/env node
// Sums the JUnit reports every test runner writes (vitest, pytest) into one closing line:
//   tests: N passed, N failed, N skipped
// and exits non-zero when anything failed or when no test ran at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const allowEmpty = args.includes('--allow-empty'); // CI: nothing affected means nothing to test
const dir = args.find((a) => !a.startsWith('--')) ?? 'dist/test-reports';
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
} catch {
  // no reports
}
const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
const perFile = [];
for (const f of files.sort()) {
  const xml = readFileSync(join(dir, f), 'utf8');
  // Count <testcase> elements and their outcomes: robust to runners that omit totals on <testsuites>.
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  const failed = cases.filter((c) => /<failure\b/.test(c)).length;
  const errored = cases.filter((c) => /<error\b/.test(c)).length;
  const skipped = cases.filter((c) => /<skipped\b/.test(c)).length;
  total.tests += cases.length;
  total.failures += failed;
  total.errors += errored;
  total.skipped += skipped;
  perFile.push(
    `  ${f.replace(/\.xml$/, '').padEnd(40)} ${cases.length - failed - errored - skipped} passed, ${failed + errored} failed, ${skipped} skipped`,
  );
}
const failed = total.failures + total.errors;
const passed = total.tests - failed - total.skipped;
console.log(perFile.join('\n'));
console.log(`tests: ${passed} passed, ${failed} failed, ${total.skipped} skipped`);
if (total.tests === 0 && !allowEmpty) {
  console.error(`no test reports found in ${dir}: did the test targets run?`);
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
