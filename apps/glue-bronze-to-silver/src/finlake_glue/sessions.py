"""The NYSE session a news article counts for, from the platform contract's calendar (rendered from
libs/market-calendar, so Python and TypeScript agree on every holiday)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from finlake_glue.contract import platform


@cache
def _calendar() -> tuple[ZoneInfo, time, frozenset[date], tuple[int, int]]:
    cal = platform()["market_calendar"]
    hh, mm = (int(x) for x in cal["close"].split(":"))
    return (
        ZoneInfo(cal["timezone"]),
        time(hh, mm),
        frozenset(date.fromisoformat(d) for d in cal["holidays"]),
        tuple(cal["years"]),
    )


def exchange_zone() -> ZoneInfo:
    return _calendar()[0]


def is_trading_day(d: date) -> bool:
    _, _, holidays, (first, last) = _calendar()
    if not first <= d.year <= last:
        raise ValueError(f"{d} is outside the calendar's years {first}-{last}")
    return d.weekday() < 5 and d not in holidays


def next_trading_day(d: date) -> date:
    d += timedelta(days=1)
    while not is_trading_day(d):
        d += timedelta(days=1)
    return d


def session_of(local: datetime) -> date:
    """The session for a New York local time: that day's when it is a trading day and before the close;
    otherwise the next trading day (after the close, on a weekend or a holiday)."""
    _, close, _, _ = _calendar()
    day = local.date()
    if is_trading_day(day) and local.time() < close:
        return day
    return next_trading_day(day)
