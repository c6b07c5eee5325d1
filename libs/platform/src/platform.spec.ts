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
  NEWS_DELIVERY,
  parseManifestKey,
  producerName,
  SERVICES,
  streamDelivery,
  streamDeliveryOf,
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

describe('stream deliveries', () => {
  it('name their producer once: news keeps its image`s name, a generated stream its dataset`s', () => {
    expect(producerName(NEWS_DELIVERY)).toBe(SERVICES.newsProducer.image);
    const quotes = streamDelivery({
      ...NEWS_DELIVERY.dataset,
      dataset: 'intraday_quotes',
      silverTable: 'fmp_iq',
    });
    expect(producerName(quotes)).toBe('intraday-quotes-producer');
    expect(quotes.streamName).toBe('finlake-{env}-intraday-quotes');
  });

  it('find a streamed table, and name the streamed ones for any other', () => {
    expect(streamDeliveryOf('fmp_news')).toBe(NEWS_DELIVERY);
    expect(() => streamDeliveryOf('fmp_eod_prices')).toThrow(
      /"fmp_eod_prices" is not a streamed dataset; streamed: fmp_news/,
    );
  });
});
