import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { dailySymbolNewsPrice, TICKER_PATTERN } from '@finlake/schemas';
import { decodeCursor, encodeCursor, type QueryEngine } from '@finlake/serving';
import { BadRequest } from '../../errors.ts';
import { checkRange, columnPolicy, CURSOR, DATE, ERRORS, LIMIT, Page, sendPage } from './page.ts';

/**
 * The gold mart daily_symbol_news_price: one symbol's sessions over a date range, its close and return beside
 * the news that counts for each. Market data, not a portfolio: every authenticated caller may read it.
 */
export const dailySymbolNewsPriceRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (
  app,
  { engine },
) => {
  // Every column is public today; a column the contract marks restricted is dropped for callers without the scope.
  const columns = columnPolicy(dailySymbolNewsPrice);
  app.get(
    '/symbols/:symbol/daily-news',
    {
      schema: {
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
      const rows = await engine.symbolDailyNews({ symbol, from, to, after, limit: limit + 1 });
      const caller = req.caller!;
      return sendPage(reply, rows, columns.seesRestricted(caller) ? 'restricted' : 'public', () => {
        const items = rows.slice(0, limit);
        return {
          symbol,
          items: columns.view(caller, items),
          next_cursor: rows.length > limit ? encodeCursor('date', items.at(-1)!.trade_date) : null,
        };
      });
    },
  );
};
