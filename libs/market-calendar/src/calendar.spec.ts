import {
  addDays,
  daysBetween,
  isTradingDay,
  lastCompletedTradingDay,
  nyseHolidays,
  parseIsoDate,
  previousTradingDay,
  tradingDays,
} from './index.ts';

describe('NYSE holidays', () => {
  it('match the exchange`s published 2024 and 2025 calendars', () => {
    expect([...nyseHolidays(2024)].sort()).toEqual([
      '2024-01-01',
      '2024-01-15',
      '2024-02-19',
      '2024-03-29',
      '2024-05-27',
      '2024-06-19',
      '2024-07-04',
      '2024-09-02',
      '2024-11-28',
      '2024-12-25',
    ]);
    expect([...nyseHolidays(2025)].sort()).toEqual([
      '2025-01-01',
      '2025-01-09',
      '2025-01-20',
      '2025-02-17',
      '2025-04-18',
      '2025-05-26',
      '2025-06-19',
      '2025-07-04',
      '2025-09-01',
      '2025-11-27',
      '2025-12-25',
    ]);
  });

  it('apply the observance rules (Saturday -> Friday, Sunday -> Monday, no make-up for New Year on a Saturday)', () => {
    expect(nyseHolidays(2021).has('2021-07-05')).toBe(true); // July 4 on a Sunday
    expect(nyseHolidays(2020).has('2020-07-03')).toBe(true); // July 4 on a Saturday
    expect(nyseHolidays(2022).has('2022-01-01')).toBe(false); // a Saturday, not made up
    expect(nyseHolidays(2021).has('2021-12-31')).toBe(false);
    expect(nyseHolidays(2023).has('2023-01-02')).toBe(true); // Sunday -> Monday
  });

  it('agree with the bundled real sample: its 2019-2020 dates are exactly the trading days', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const rows = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', '..', 'tools', 'fmp-sandbox', 'data', 'eod', 'AAPL.json'),
        'utf8',
      ),
    ) as { date: string }[];
    expect(rows.map((r) => r.date)).toEqual(tradingDays('2019-01-01', '2020-12-31'));
  });
});

describe('lastCompletedTradingDay', () => {
  it('is today after 18:00 New York time on a trading day', () => {
    expect(lastCompletedTradingDay(new Date('2026-11-24T23:30:00Z'))).toBe('2026-11-24'); // 18:30 EST
  });

  it('is the previous session before the data is ready', () => {
    expect(lastCompletedTradingDay(new Date('2026-11-24T20:00:00Z'))).toBe('2026-11-23'); // 15:00 EST
  });

  it('skips weekends and holidays', () => {
    expect(lastCompletedTradingDay(new Date('2026-11-28T12:00:00Z'))).toBe('2026-11-27'); // Sat after Thanksgiving Friday
    expect(lastCompletedTradingDay(new Date('2026-11-27T03:00:00Z'))).toBe('2026-11-25'); // Thanksgiving night
    expect(previousTradingDay('2025-01-02')).toBe('2024-12-31');
  });
});

describe('dates', () => {
  it('reject impossible dates with the expected form', () => {
    expect(() => parseIsoDate('2023-02-30')).toThrow(/YYYY-MM-DD/);
    expect(() => parseIsoDate('2023-2-3')).toThrow(/YYYY-MM-DD/);
  });

  it('add days and count them across a leap year', () => {
    expect(addDays('2020-02-28', 1)).toBe('2020-02-29');
    expect(daysBetween('2019-12-31', '2020-12-31')).toBe(366);
    expect(isTradingDay('2020-02-29')).toBe(false);
  });
});

describe('New York stamps', () => {
  it('writes and reads FMP news time (EDT and EST), the round trip exact', async () => {
    const { fromNewYorkStamp, newYorkStamp } = await import('./new-york-time.ts');
    expect(newYorkStamp(Date.parse('2025-09-23T01:31:48Z'))).toBe('2025-09-22 21:31:48');
    expect(newYorkStamp(Date.parse('2025-12-01T15:00:00Z'))).toBe('2025-12-01 10:00:00');
    expect(fromNewYorkStamp('2025-09-22 21:31:48').toISOString()).toBe('2025-09-23T01:31:48.000Z');
    expect(fromNewYorkStamp('2025-12-01 10:00:00').toISOString()).toBe('2025-12-01T15:00:00.000Z');
  });
});
