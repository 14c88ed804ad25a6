"""Small helpers shared by the feed builders: random streams, time, ids."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

import numpy as np

from .constants import DAYS_PER_MONTH, PERIOD_END, PERIOD_START, RAMP_START_SHARE, TREND_ORIGIN

# Last instant that any extract can contain.
PERIOD_END_TS = datetime.combine(PERIOD_END, time(23, 59, 59))
NP_PERIOD_END_TS = np.datetime64(PERIOD_END_TS, "s")
NP_TREND_ORIGIN = np.datetime64(TREND_ORIGIN, "D").astype("datetime64[s]")
NP_FAR_FUTURE = np.datetime64("2999-12-31T00:00:00", "s")

WORKDAY_START_S = 8 * 3600  # incidents, deals and courses happen 08:00-18:00 UTC
WORKDAY_END_S = 18 * 3600


def substream(seed: int, name: str) -> np.random.Generator:
    """A random stream per part of the world.

    Separate streams mean that changing how one feed is drawn does not
    reshuffle every other feed; crc32 (unlike hash()) is stable across runs.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------
def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# --------------------------------------------------------------------------
# History: where the extracts start
# --------------------------------------------------------------------------
# The first extract month of the world being written. A context variable rather
# than a parameter of every feed builder: it changes only where the files begin
# (file positions, the first HRIS snapshot, the first tickets and deals), never
# a planted truth, and generate() sets it once for the whole world.
_HISTORY_START: ContextVar[date] = ContextVar("history_start", default=PERIOD_START)


def history_start() -> date:
    """First day of the first extract month: PERIOD_START, or earlier for a scale with more history."""
    return _HISTORY_START.get()


def np_history_start() -> np.datetime64:
    return np.datetime64(history_start(), "D")


@contextmanager
def history_from(start: date) -> Iterator[None]:
    """Write the extracts of the block from start's month (a first of the month, on or before PERIOD_START)."""
    if start.day != 1 or start > PERIOD_START:
        raise ValueError(f"history must start on a first of the month on or before {PERIOD_START}, not {start}")
    token = _HISTORY_START.set(start)
    try:
        yield
    finally:
        _HISTORY_START.reset(token)


def extract_dates() -> list[date]:
    """The last day of every extract month (18 dates for the period alone)."""
    out, d = [], history_start()
    while d <= PERIOD_END:
        out.append(month_end(d))
        d = out[-1] + timedelta(days=1)
    return out


def month_index(d: date | datetime) -> int:
    """The position of d's extract file: 0 for the first month (January 2025 unless history starts earlier)."""
    start = history_start()
    return (d.year - start.year) * 12 + d.month - start.month


def np_month_index(ts: np.ndarray) -> np.ndarray:
    return (ts.astype("datetime64[M]") - np.datetime64(history_start(), "M")).astype(np.int64)


def workdays(start: date, end: date) -> np.ndarray:
    """Mon-Fri dates from start to end inclusive, as datetime64[D]."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    return days[np.is_busday(days)]


def random_day(rng: np.random.Generator, lo: date, hi: date) -> date:
    """A uniform date in [lo, hi]."""
    return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def work_time(rng: np.random.Generator, day: date) -> datetime:
    """A whole-minute time during working hours on day."""
    minute = int(rng.integers(WORKDAY_START_S // 60, WORKDAY_END_S // 60))
    return datetime.combine(day, time()) + timedelta(minutes=minute)


def np_work_times(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A random second of working hours on each of days, as datetime64[s]."""
    return days.astype("datetime64[s]") + rng.integers(WORKDAY_START_S, WORKDAY_END_S, len(days)).astype("timedelta64[s]")


def trend_months(ts: np.ndarray) -> np.ndarray:
    """Months (continuous) since TREND_ORIGIN, the clock of the secular trends."""
    return (ts.astype("datetime64[s]") - NP_TREND_ORIGIN).astype(np.float64) / (86400 * DAYS_PER_MONTH)


class DipWindows:
    """The Ashenfelter dip of one KPI: per worker (by position in the list
    given), the window [first registration - start weeks, first registration
    - end weeks) in which work begun gets ``size`` KPI units added."""

    def __init__(self, workers, first_registration: dict[int, datetime], weeks_before: tuple[int, int],
                 size: float):
        start, end = weeks_before
        lo, hi = [], []
        for w in workers:
            first = first_registration.get(w.idx)
            lo.append(first - timedelta(weeks=start) if first else None)
            hi.append(first - timedelta(weeks=end) if first else None)
        self.lo = np.array([np.datetime64(t, "s") if t else NP_FAR_FUTURE for t in lo])
        self.hi = np.array([np.datetime64(t, "s") if t else NP_FAR_FUTURE for t in hi])
        self.size = float(size)

    def mask(self, times: np.ndarray, who: np.ndarray) -> np.ndarray:
        """Whether work begun at times (by worker position who) falls in the window."""
        t = times.astype("datetime64[s]")
        return (t >= self.lo[who]) & (t < self.hi[who])

    def added(self, times: np.ndarray, who: np.ndarray) -> np.ndarray:
        return np.where(self.mask(times, who), self.size, 0.0)


class Ramp:
    """New starters' ramp (profile option onboarding), per worker (by position
    in the list given): the share of the tenured rate of work begun on a day
    grows linearly from RAMP_START_SHARE on the hire day to 1 at ramp_days
    after hire, then stays at 1; 1 throughout for workers without a ramp. A
    worker with a head start (PRG-ONB completers) is that many days further
    along the same curve from hire.

    Work is drawn at the tenured rate, then thinned: each item is kept with
    the share on the day its work began (an inhomogeneous Poisson process)."""

    def __init__(self, workers, rng: np.random.Generator):
        self.hire = np.array([np.datetime64(w.hire_date, "D") for w in workers], dtype="datetime64[D]")
        self.days = np.array([w.ramp_days for w in workers], dtype=np.float64)
        self.head = np.array([w.ramp_head_start for w in workers], dtype=np.float64)
        self.rng = rng

    def share(self, days: np.ndarray, who: np.ndarray) -> np.ndarray:
        since = (days.astype("datetime64[D]") - self.hire[who]).astype(np.float64) + self.head[who]
        ramp = self.days[who]
        grown = RAMP_START_SHARE + (1 - RAMP_START_SHARE) * since / np.where(ramp > 0, ramp, 1.0)
        return np.where(ramp > 0, np.clip(grown, RAMP_START_SHARE, 1.0), 1.0)

    def kept(self, days: np.ndarray, who: np.ndarray) -> np.ndarray:
        """Whether each item of work (begun on days, by worker position who) is kept."""
        return self.rng.random(len(who)) < self.share(days, who)


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------
def iso_ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def np_iso_ts(ts: np.ndarray) -> np.ndarray:
    """Vectorised iso_ts for datetime64 arrays (NaT gives "NaT")."""
    return np.datetime_as_string(ts.astype("datetime64[s]"), unit="s", timezone="UTC")


def np_iso_date(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def np_bool(a: np.ndarray) -> np.ndarray:
    return np.where(a, "true", "false")


def fmt_number(x: float) -> str:
    """Money and FTE as plain decimals: 52300.00 stays readable in any tool."""
    return f"{x:.2f}"


# --------------------------------------------------------------------------
# Identity helpers
# --------------------------------------------------------------------------
def mixed_case(email: str, style: int) -> str:
    """The same address as some systems store it: capitalised or shouted."""
    local, _, domain = email.partition("@")
    if style == 0:  # First.Last@acme.example
        return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain
    if style == 1:  # First.Last@Acme.Example
        return mixed_case(email, 0).split("@")[0] + "@" + ".".join(p.capitalize() for p in domain.split("."))
    return email.upper()  # FIRST.LAST@ACME.EXAMPLE


def uuid4(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SF_SPACE = 62**10
_SF_SPREAD = 2_147_483_647 * 97  # odd and not a multiple of 31: a bijection mod 62**10
_B62 = np.frombuffer(_BASE62.encode(), np.uint8)
_SFX = np.frombuffer(_SF_SUFFIX.encode(), np.uint8)


def sf_ids(prefix: str, ns: np.ndarray) -> np.ndarray:
    """18-character Salesforce-style ids, unique per (prefix, n), vectorised.

    The body is a scrambled counter (ids look random but never collide); the
    last three characters are Salesforce's case-safe checksum: one character
    per 5-character chunk, encoding which of its characters are upper case.
    """
    k = np.asarray(ns, np.int64)
    assert k.size == 0 or (k.min() >= 0 and k.max() < 4 * 10**7), "counter out of range"
    k = (k * _SF_SPREAD) % _SF_SPACE
    chars = np.empty((k.size, 18), np.uint8)
    chars[:, :5] = np.frombuffer((prefix + "Dn").encode(), np.uint8)
    for pos in range(14, 4, -1):
        chars[:, pos] = _B62[k % 62]
        k //= 62
    upper = (chars[:, :15] >= ord("A")) & (chars[:, :15] <= ord("Z"))
    weights = 1 << np.arange(5)
    for chunk in range(3):
        chars[:, 15 + chunk] = _SFX[(upper[:, chunk * 5 : chunk * 5 + 5] * weights).sum(axis=1)]
    return chars.view("S18").ravel().astype(str)


def sf_id(prefix: str, n: int) -> str:
    return str(sf_ids(prefix, np.array([n]))[0])
