/** The names one source is known by in every language and layer, derived from its silver table. */
export interface SourceNames {
  /** silver table, snake_case: fmp_dividends */
  table: string;
  /** the `source=` partition: fmp */
  source: string;
  /** the `dataset=` partition and the entity: dividends */
  dataset: string;
  /** file names: fmp-dividends */
  kebab: string;
  /** TypeScript values: fmpDividends */
  camel: string;
  /** the platform constant: FMP_DIVIDENDS */
  constant: string;
  /** the dbt staging model: stg_fmp__dividends */
  stagingModel: string;
  /** the API path of the endpoint */
  path: string;
  /** the gold mart that serves it by symbol and day, and its names: daily_symbol_dividends */
  mart: { table: string; kebab: string; camel: string };
  /** its route under /v1: /symbols/:symbol/dividends */
  route: string;
}

const TABLE = /^[a-z][a-z0-9]{1,15}_[a-z][a-z0-9_]{1,40}$/;
const PATH = /^\/[A-Za-z0-9/_-]{1,120}$/;

/** The names, or an error saying what is wrong with the given name and what is expected. */
export function sourceNames(name: string, path?: string): SourceNames {
  if (!TABLE.test(name) || name.endsWith('_') || name.includes('__'))
    throw new Error(
      `source name ${JSON.stringify(name)} is not <source>_<entity> in snake_case (lower-case letters, digits, ` +
        'single underscores), e.g. fmp_dividends',
    );
  if (/_(rejects|wire_item)$/.test(name))
    throw new Error(
      `source name ${JSON.stringify(name)} ends in a suffix the platform uses for its own tables`,
    );
  const [source, ...rest] = name.split('_');
  const dataset = rest.join('_');
  const endpoint = path ?? `/stable/${dataset.replace(/_/g, '-')}`;
  if (!PATH.test(endpoint))
    throw new Error(`--path ${JSON.stringify(endpoint)} is not an API path like /stable/dividends`);
  const camelOf = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const camel = camelOf(name);
  const mart = `daily_symbol_${dataset}`;
  return {
    table: name,
    source: source!,
    dataset,
    kebab: name.replace(/_/g, '-'),
    camel,
    constant: name.toUpperCase(),
    stagingModel: `stg_${source}__${dataset}`,
    path: endpoint,
    mart: { table: mart, kebab: mart.replace(/_/g, '-'), camel: camelOf(mart) },
    route: `/symbols/:symbol/${dataset.replace(/_/g, '-')}`,
  };
}
