import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { TICKER_PATTERN, type Dataset } from '@finlake/schemas';
import { decodeCursor, encodeCursor, seriesKey, type QueryEngine } from '@finlake/serving';
import { BadRequest } from '../../errors.ts';
import { checkRange, columnPolicy, CURSOR, DATE, ERRORS, LIMIT, Page, sendPage } from './page.ts';

export interface SeriesRoute {
  /** The URL under /v1, with the symbol as `:symbol`: `/symbols/:symbol/daily-news`. */
  url: `/symbols/:symbol/${string}`;
  /** The OpenAPI summary of the route. */
  summary: string;
}

/**
 * The route plugin of a symbol-series mart (keyed by symbol and day): one symbol's days over a date range,
 * paged in day order by an opaque cursor, each row in the contract's shape. Market data, not a portfolio:
 * every authenticated caller may read it; a column the contract marks restricted is dropped for callers
 * without the scope. The contract is the one the API was built with: a request never names a table.
 */
export function symbolSeriesRoutes(
  mart: Dataset,
  route: SeriesRoute,
): FastifyPluginAsyncTypebox<{ engine: QueryEngine }> {
  const { day } = seriesKey(mart);
  const columns = columnPolicy(mart);
  return async (app, { engine }) => {
    app.get(
      route.url,
      {
        schema: {
          summary: route.summary,
          description: mart.description,
          // An index like ^GSPC is sent URL-encoded (%5EGSPC); the pattern checks the decoded symbol.
          params: Type.Object({ symbol: Type.String({ pattern: TICKER_PATTERN, maxLength: 16 }) }),
          querystring: Type.Object(
            { from: DATE, to: DATE, limit: LIMIT, cursor: Type.Optional(CURSOR) },
            { additionalProperties: false },
          ),
          response: { 200: Page('symbol', columns.row), ...ERRORS },
        },
      },
      async (req, reply) => {
        const { symbol } = req.params;
        const { from, to, limit, cursor } = req.query;
        const badRange = checkRange(from, to);
        if (badRange) throw new BadRequest(badRange);
        const after = cursor ? decodeCursor('date', cursor, /^\d{4}-\d{2}-\d{2}$/) : undefined;
        const rows = await engine.symbolSeries(mart, { symbol, from, to, after, limit: limit + 1 });
        const caller = req.caller!;
        return sendPage(reply, rows, columns.seesRestricted(caller) ? 'restricted' : 'public', () => {
          const items = rows.slice(0, limit) as Record<string, unknown>[];
          return {
            symbol,
            items: columns.view(caller, items),
            next_cursor: rows.length > limit ? encodeCursor('date', String(items.at(-1)![day])) : null,
          };
        });
      },
    );
  };
}
