import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { dailyPortfolioSummary, PORTFOLIO_ID_PATTERN } from '@finlake/schemas';
import { decodeCursor, encodeCursor, mayRead, type QueryEngine } from '@finlake/serving';
import { BadRequest, Forbidden } from '../../errors.ts';
import { checkRange, columnPolicy, CURSOR, DATE, ERRORS, LIMIT, Page, sendPage } from './page.ts';

/** The gold mart daily_portfolio_summary: one portfolio over a date range, or every entitled one on a date. */
export const dailyPortfolioSummaryRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (
  app,
  { engine },
) => {
  // Money amounts are restricted (the contract): without the scope a caller gets the rows without them.
  const columns = columnPolicy(dailyPortfolioSummary);
  const row = columns.row;

  app.get(
    '/portfolios/:portfolioId/daily-summary',
    {
      schema: {
        params: Type.Object({ portfolioId: Type.String({ pattern: PORTFOLIO_ID_PATTERN, maxLength: 32 }) }),
        querystring: Type.Object(
          { from: DATE, to: DATE, limit: LIMIT, cursor: Type.Optional(CURSOR) },
          { additionalProperties: false },
        ),
        response: { 200: Page('portfolio_id', row), ...ERRORS },
      },
    },
    async (req, reply) => {
      const { portfolioId } = req.params;
      const { from, to, limit, cursor } = req.query;
      const badRange = checkRange(from, to);
      if (badRange) throw new BadRequest(badRange);
      if (!mayRead(req.caller!, portfolioId))
        throw new Forbidden(`portfolio ${portfolioId} is not in your entitlements`);
      const after = cursor ? decodeCursor('date', cursor, /^\d{4}-\d{2}-\d{2}$/) : undefined;
      const rows = await engine.portfolioSummary({ portfolioId, from, to, after, limit: limit + 1 });
      const caller = req.caller!;
      return sendPage(reply, rows, columns.seesRestricted(caller) ? 'restricted' : 'public', () => {
        const items = rows.slice(0, limit);
        return {
          portfolio_id: portfolioId,
          items: columns.view(caller, items),
          next_cursor: rows.length > limit ? encodeCursor('date', items.at(-1)!.summary_date) : null,
        };
      });
    },
  );

  app.get(
    '/daily-portfolio-summary',
    {
      schema: {
        querystring: Type.Object(
          { date: DATE, limit: LIMIT, cursor: Type.Optional(CURSOR) },
          { additionalProperties: false },
        ),
        response: { 200: Page('date', row), ...ERRORS },
      },
    },
    async (req, reply) => {
      const { date, limit, cursor } = req.query;
      const after = cursor ? decodeCursor('portfolio', cursor, new RegExp(PORTFOLIO_ID_PATTERN)) : undefined;
      const rows = await engine.summaryForDate({
        date,
        entitlement: req.caller!.entitlement,
        after,
        limit: limit + 1,
      });
      const caller = req.caller!;
      const who = caller.entitlement.all ? '*' : caller.entitlement.portfolios.join(',');
      const sees = columns.seesRestricted(caller) ? 'restricted' : 'public';
      return sendPage(reply, rows, `${who}|${sees}`, () => {
        // Entitlements are enforced in the query and again on every row returned.
        const items = rows.filter((r) => mayRead(caller, r.portfolio_id)).slice(0, limit);
        return {
          date,
          items: columns.view(caller, items),
          next_cursor: rows.length > limit ? encodeCursor('portfolio', items.at(-1)!.portfolio_id) : null,
        };
      });
    },
  );
};
