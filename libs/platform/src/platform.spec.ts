import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GENERATED, repoRoot } from './bin/generate.ts';
import {
  FMP_EOD_PRICES,
  bronzeObjectKey,
  bronzeWriterPrefixes,
  eventManifestsPrefix,
  fill,
  manifestKey,
  match,
  parseManifestKey,
} from './index.ts';

describe('generated files', () => {
  it.each(Object.entries(GENERATED))(
    '%s is up to date (npx nx run platform:generate)',
    async (path, render) => {
      expect(await readFile(join(repoRoot, path), 'utf8')).toBe(render());
    },
  );
});

describe('key layout', () => {
  const data = bronzeObjectKey(FMP_EOD_PRICES, { symbol: '^GSPC', from: '2019-01-01', to: '2019-12-31' });
  it('puts every key a connector writes under its writer prefixes', () => {
    const keys = [
      data,
      manifestKey(FMP_EOD_PRICES, 'r1', 'event'),
      manifestKey(FMP_EOD_PRICES, 'r1', 'pipeline'),
    ];
    for (const k of keys)
      expect(
        bronzeWriterPrefixes(FMP_EOD_PRICES).some((p) => k.startsWith(p)),
        k,
      ).toBe(true);
  });
  it('parses back the manifests it names, and nothing else', () => {
    expect(parseManifestKey(manifestKey(FMP_EOD_PRICES, 'r-1', 'event'))).toEqual({
      dataset: FMP_EOD_PRICES,
      handoff: 'event',
      runId: 'r-1',
    });
    expect(parseManifestKey(data)).toBeUndefined();
    expect(manifestKey(FMP_EOD_PRICES, 'r', 'event').startsWith(eventManifestsPrefix(FMP_EOD_PRICES))).toBe(
      true,
    );
    expect(
      manifestKey(FMP_EOD_PRICES, 'r', 'pipeline').startsWith(eventManifestsPrefix(FMP_EOD_PRICES)),
    ).toBe(false);
  });
  it('refuses values a key may not hold, naming the placeholder', () => {
    expect(() => fill('a/{run_id}.json', { run_id: '../x' })).toThrow(/\{run_id\}/);
    expect(() => fill('a/{run_id}.json', {})).toThrow(/no value for \{run_id\}/);
    expect(match('a={x}/b={x}', 'a=1/b=2')).toBeUndefined();
  });
});
