import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { dailySymbolNewsPrice } from '@finlake/schemas';
import { AthenaEngine, AthenaQueryError, MartNotPublished } from './index.ts';

type Sent = { name: string; input: Record<string, unknown> };

/** An SDK mock: answers each command from a script and records what was sent. */
function mockClient(
  states: string[],
  pages: { rows: (string | null)[][]; next?: string }[],
  reason?: string,
) {
  const sent: Sent[] = [];
  const client = {
    send: async (cmd: { input: Record<string, unknown> }) => {
      sent.push({ name: cmd.constructor.name, input: cmd.input });
      if (cmd instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'q-1' };
      if (cmd instanceof GetQueryExecutionCommand) {
        return {
          QueryExecution: { Status: { State: states.shift() ?? 'SUCCEEDED', StateChangeReason: reason } },
        };
      }
      if (cmd instanceof GetQueryResultsCommand) {
        const i = cmd.input.NextToken ? Number(cmd.input.NextToken) : 0;
        const page = pages[i]!;
        const header = i === 0 ? [{ Data: [{ VarCharValue: 'portfolio_id' }] }] : [];
        return {
          ResultSet: {
            Rows: [
              ...header,
              ...page.rows.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
            ],
          },
          NextToken: page.next,
        };
      }
      throw new Error(`unexpected command ${cmd.constructor.name}`);
    },
  } as unknown as Pick<AthenaClient, 'send'>;
  return { client, sent };
}

const row = (date: string, ret: string | null) => ['P001', date, '2', '0', '1000.5', '990', '10.5', ret];
const sleeps: number[] = [];
const engine = (client: Pick<AthenaClient, 'send'>, deadlineMs = 60_000) =>
  new AthenaEngine({
    client,
    workGroup: 'finlake-prod',
    table: 'gold_db.daily_portfolio_summary',
    deadlineMs,
    sleep: async (ms) => void sleeps.push(ms),
  });

describe('AthenaEngine (SDK mocks)', () => {
  it('passes values as ExecutionParameters, polls with backoff, pages through results and types the rows', async () => {
    const { client, sent } = mockClient(
      ['QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED'],
      [{ rows: [row('2020-01-02', '0.01')], next: '1' }, { rows: [row('2020-01-03', null)] }],
    );
    sleeps.length = 0;
    const rows = await engine(client).portfolioSummary({
      portfolioId: 'P001',
      from: '2020-01-01',
      to: '2020-01-31',
      limit: 101,
    });
    const start = sent[0]!;
    expect(start.name).toBe('StartQueryExecutionCommand');
    expect(start.input.WorkGroup).toBe('finlake-prod');
    expect(start.input.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    // The months first: Athena prunes gold's summary_month partitions to the question's.
    expect(start.input.ExecutionParameters).toEqual([
      "'2020-01'",
      "'2020-01'",
      "'P001'",
      "'2020-01-01'",
      "'2020-01-31'",
      "'0001-01-01'",
    ]);
    expect(start.input.QueryString).not.toContain('P001');
    expect(sleeps).toEqual([200, 400, 800]);
    expect(sent.filter((s) => s.name === 'GetQueryResultsCommand').map((s) => s.input.NextToken)).toEqual([
      undefined,
      '1',
    ]);
    expect(rows).toEqual([
      {
        portfolio_id: 'P001',
        summary_date: '2020-01-02',
        positions_count: 2,
        stale_positions_count: 0,
        market_value: 1000.5,
        prior_market_value: 990,
        daily_pnl: 10.5,
        daily_return: 0.01,
      },
      {
        portfolio_id: 'P001',
        summary_date: '2020-01-03',
        positions_count: 2,
        stale_positions_count: 0,
        market_value: 1000.5,
        prior_market_value: 990,
        daily_pnl: 10.5,
        daily_return: null,
      },
    ]);
  });

  it('escapes quotes inside parameter values', async () => {
    const { client, sent } = mockClient(['SUCCEEDED'], [{ rows: [] }]);
    await engine(client).summaryForDate({
      date: '2020-01-02',
      entitlement: { all: false, portfolios: ["P0'1"] },
      limit: 10,
    });
    expect(sent[0]!.input.ExecutionParameters).toContain("'P0''1'");
  });

  it('maps failed and cancelled queries, and a missed deadline, to clear errors', async () => {
    await expect(
      engine(mockClient(['FAILED'], [], 'SYNTAX_ERROR: line 1').client).freshness(),
    ).rejects.toThrow(/query q-1 failed: SYNTAX_ERROR/);
    const cancelled = await engine(mockClient(['CANCELLED'], []).client)
      .freshness()
      .catch((e) => e);
    expect(cancelled).toBeInstanceOf(AthenaQueryError);
    expect(cancelled.state).toBe('CANCELLED');
    await expect(engine(mockClient(Array(50).fill('RUNNING'), []).client, 1).freshness()).rejects.toThrow(
      /did not finish before the deadline/,
    );
  });

  it('refuses a table name that is not database.table', () => {
    expect(
      () => new AthenaEngine({ client: mockClient([], []).client, workGroup: 'w', table: 'gold; drop' }),
    ).toThrow(/database.table/);
  });

  it('asks a symbol-series mart by its configured table, key and contract types; an unconfigured one is a 503', async () => {
    const { client, sent } = mockClient(
      ['SUCCEEDED'],
      [{ rows: [['AAPL', '2020-01-02', '101.5', null, '2', '0.25', 'headline', 'true']] }],
    );
    const athena = new AthenaEngine({
      client,
      workGroup: 'w',
      table: 'gold_db.daily_portfolio_summary',
      seriesTables: { daily_symbol_news_price: 'gold_db.daily_symbol_news_price' },
      sleep: async () => undefined,
    });
    const q = { symbol: 'AAPL', from: '2020-01-01', to: '2020-01-31', limit: 11 };
    const [r] = await athena.symbolSeries(dailySymbolNewsPrice, q);
    expect(r).toEqual({
      symbol: 'AAPL',
      trade_date: '2020-01-02',
      close_price: 101.5,
      daily_return: null,
      news_count: 2,
      avg_sentiment: 0.25,
      first_headline: 'headline',
      has_news: true,
    });
    const sql = sent[0]!.input.QueryString as string;
    expect(sql).toMatch(/from gold_db\.daily_symbol_news_price\s+where symbol = \? and trade_date between/);
    expect(sql).toMatch(/order by trade_date limit 11$/);
    expect(sent[0]!.input.ExecutionParameters).toEqual([
      "'AAPL'",
      "'2020-01-01'",
      "'2020-01-31'",
      "'0001-01-01'",
    ]);
    const other = { ...dailySymbolNewsPrice, name: 'daily_symbol_other' };
    await expect(athena.symbolSeries(other, q)).rejects.toBeInstanceOf(MartNotPublished);
    expect(
      () => new AthenaEngine({ client, workGroup: 'w', table: 'a.b', seriesTables: { x: 'gold; drop' } }),
    ).toThrow(/database.table/);
  });
});
