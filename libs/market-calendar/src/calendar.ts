/**
 * The NYSE trading calendar, from its published holiday rules, for picking default date windows
 * (the nightly run fetches "the last completed trading day") and judging data freshness.
 * Dates are ISO `YYYY-MM-DD` strings: calendar dates of the exchange, never instants.
 */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseIsoDate(value: string): Date {
  const m = ISO_DATE.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || d.toISOString().slice(0, 10) !== value) {
    throw new Error(`${JSON.stringify(value)} is not a calendar date in the form YYYY-MM-DD`);
  }
  return d;
}

export const isIsoDate = (value: string): boolean => {
  try {
    parseIsoDate(value);
    return true;
  } catch {
    return false;
  }
};

export const toIsoDate = (d: Date): IsoDate => d.toISOString().slice(0, 10);

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = parseIsoDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return toIsoDate(d);
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((parseIsoDate(b).getTime() - parseIsoDate(a).getTime()) / 86_400_000);
}

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

/** The n-th given weekday (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): Date {
  if (n > 0) {
    const first = utc(year, month, 1);
    const offset = (weekday - first.getUTCDay() + 7) % 7;
    return utc(year, month, 1 + offset + (n - 1) * 7);
  }
  const last = utc(year, month + 1, 0);
  return utc(year, month, last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7));
}

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm. */
function easter(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

/** Saturday holidays move to Friday, Sunday ones to Monday (NYSE Rule 7.2). */
function observed(d: Date): Date {
  const dow = d.getUTCDay();
  if (dow === 6) return utc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate() - 1);
  if (dow === 0) return utc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate() + 1);
  return d;
}

/** Unscheduled full-day closures since 1999 (national mourning, 9/11, Hurricane Sandy). */
const SPECIAL_CLOSURES = new Set([
  '2001-09-11',
  '2001-09-12',
  '2001-09-13',
  '2001-09-14',
  '2004-06-11',
  '2007-01-02',
  '2012-10-29',
  '2012-10-30',
  '2018-12-05',
  '2025-01-09',
]);

const holidayCache = new Map<number, Set<IsoDate>>();

export function nyseHolidays(year: number): Set<IsoDate> {
  const hit = holidayCache.get(year);
  if (hit) return hit;
  const days: Date[] = [
    nthWeekday(year, 2, 1, 3), // Washington's Birthday
    utc(easter(year).getUTCFullYear(), easter(year).getUTCMonth() + 1, easter(year).getUTCDate() - 2), // Good Friday
    nthWeekday(year, 5, 1, -1), // Memorial Day
    observed(utc(year, 7, 4)),
    nthWeekday(year, 9, 1, 1), // Labor Day
    nthWeekday(year, 11, 4, 4), // Thanksgiving
    observed(utc(year, 12, 25)),
  ];
  if (year >= 1998) days.push(nthWeekday(year, 1, 1, 3)); // Martin Luther King Jr. Day
  if (year >= 2022) days.push(observed(utc(year, 6, 19))); // Juneteenth
  // New Year's Day: a Sunday moves to Monday; a Saturday is not made up on the Friday before.
  const ny = utc(year, 1, 1);
  if (ny.getUTCDay() !== 6) days.push(observed(ny));
  const set = new Set(days.map(toIsoDate).filter((d) => d.startsWith(String(year))));
  for (const d of SPECIAL_CLOSURES) if (d.startsWith(String(year))) set.add(d);
  holidayCache.set(year, set);
  return set;
}

export function isTradingDay(date: IsoDate): boolean {
  const d = parseIsoDate(date);
  const dow = d.getUTCDay();
  return dow !== 0 && dow !== 6 && !nyseHolidays(d.getUTCFullYear()).has(date);
}

export function previousTradingDay(date: IsoDate): IsoDate {
  let d = addDays(date, -1);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/** Trading days in [from, to], in order. */
export function tradingDays(from: IsoDate, to: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) out.push(d);
  return out;
}

/** New York wall-clock date and minutes since midnight for an instant. */
export function newYorkClock(now: Date): { date: IsoDate; minutes: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/**
 * The latest session whose end-of-day data can be complete at `now`: today once `readyAt`
 * (New York time, default 18:00, two hours after the 16:00 close) has passed on a trading day,
 * else the trading day before.
 */
export function lastCompletedTradingDay(now: Date = new Date(), readyAtMinutes = 18 * 60): IsoDate {
  const { date, minutes } = newYorkClock(now);
  if (isTradingDay(date) && minutes >= readyAtMinutes) return date;
  return previousTradingDay(date);
}
