"""Performance support: who adopts the knowledge-base aids, when, and the kb_use feed.

An aid (AID_ARTICLES: the Resolution Checklist job aid PRG-KBA, the Printer Fix Guide
PRG-KBN) is measured like a course, from the knowledge-use log alone: a person's
"first registration" is their first view of any of its articles, their "completion"
their first meaningful use (``first_meaningful_use``: ADOPTION_MIN_VIEWS views within
ADOPTION_WINDOW_DAYS). Adopters are support agents; the planted effect (PLANTED) is on
the tickets they open from their first meaningful use on (core.World.aid_path).

The realistic mess, planted in every profile: slow starters, whose first views are
spread too wide to count and only a later burst qualifies; adopters looking the aid up
again now and then; agents who view an aid once or twice (never treated); views of
other articles around tickets; user.email spelt as the service desk spells assignees;
contractors nobody else knows; views attached to a ticket only a month later (the row
comes again, updated). With the profile's dip, some adopters adopt after a bad spell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .common import (
    NP_PERIOD_END_TS,
    WORKDAY_END_S,
    WORKDAY_START_S,
    history_start,
    mixed_case,
    np_bool,
    np_iso_ts,
    np_month_index,
    np_work_times,
    workdays,
)
from .constants import (
    ADOPTION_MIN_VIEWS,
    ADOPTION_WINDOW_DAYS,
    AID_ARTICLES,
    AID_CASUAL_OUTSIDER_SHARE,
    AID_CASUAL_SHARE,
    AID_DIP_SHARE,
    AID_FIRST_VIEW_WINDOW,
    AID_FREE_PREFERENCE,
    AID_POST_WEEKS,
    AID_PRE_WEEKS,
    AID_PUBLISHED,
    AID_REVIEWS_PER_WEEK,
    AID_SLOW_START_SHARE,
    AID_UPTAKE,
    AID_VIEW_USED,
    KB_BACKGROUND_ARTICLES,
    KB_BROWSE_PER_AGENT_WEEK,
    KB_CONTRACTOR_EMAILS,
    KB_CONTRACTOR_VIEWS_PER_WEEK,
    KB_EMAIL_MIXED_CASE_SHARE,
    KB_EMAIL_PADDED_SHARE,
    KB_REDELIVERED_SHARE,
    KB_TICKET_VIEW_USED,
    KB_VIEWS_PER_TICKET,
    PERIOD_END,
    PERIOD_START,
)
from .contracts import csv_columns
from .people import Worker
from .servicedesk import hex_ids

# Every article the log can name: the aids' first, then the background ones.
AID_ARTICLE_LIST = [a for articles in AID_ARTICLES.values() for a in articles]
BACKGROUND_ARTICLES = [f"KB{30001 + k:07d}" for k in range(KB_BACKGROUND_ARTICLES)]
ARTICLES = np.array(AID_ARTICLE_LIST + BACKGROUND_ARTICLES)
_FIRST_BACKGROUND = len(AID_ARTICLE_LIST)
# A few articles are read far more than others (Zipf-like), as on any knowledge base.
_BACKGROUND_P = 1.0 / np.arange(1, KB_BACKGROUND_ARTICLES + 1)
_BACKGROUND_P /= _BACKGROUND_P.sum()
# Which of an aid's articles a view is of: the first (the checklist itself) most often.
_AID_ARTICLE_P = {1: (1.0,), 2: (0.6, 0.4), 3: (0.5, 0.3, 0.2)}
# An adopter's views up to adoption, as business-day gaps between them. Quick: three
# views within 8 business days (under 12 days). Slow: three views spanning 12 business
# days or more (over 14 days), a pause of 12 or more, then three within 8; no three
# views in a row come near the 14-day edge, so the rule picks the same view whether it
# compares timestamps or calendar dates.
_QUICK_GAPS = ((0, 5), (0, 5))
_SLOW_GAPS = ((4, 9), (8, 15), (12, 26), (0, 5), (0, 5))
DAY_S = 86400
# The pipeline's windows around an adoption, a week wider (windows start and end on the
# Monday of a view's week): first view to pre window start, adoption to post window end.
_PRE = np.timedelta64(7 * AID_PRE_WEEKS + 7, "D")
_POST = np.timedelta64(7 * AID_POST_WEEKS + 7, "D")


def first_meaningful_use(times: np.ndarray) -> np.datetime64 | None:
    """The adoption rule: the first view that is the ADOPTION_MIN_VIEWS-th of views spanning
    at most ADOPTION_WINDOW_DAYS (a rolling window over the views, sorted); None if none is."""
    t = np.sort(np.asarray(times, dtype="datetime64[s]"))
    k = ADOPTION_MIN_VIEWS - 1
    if len(t) <= k:
        return None
    within = (t[k:] - t[:-k]) <= np.timedelta64(ADOPTION_WINDOW_DAYS * DAY_S, "s")
    return t[k + int(np.argmax(within))] if within.any() else None


@dataclass
class Adoption:
    """One aid's adopters (worker idx) and every view of its articles they make."""

    program_id: str
    first_view: dict[int, datetime]
    adopted: dict[int, datetime]  # first meaningful use
    slow_start: frozenset[int]
    bad_spell: frozenset[int]  # worse tickets before the first view, with the profile's dip
    outside_other_programs: int  # adopters in none of AID_OTHER_PROGRAMS
    overlapping_other_programs: int  # adopters whose windows overlap theirs in one of them
    view_worker: np.ndarray  # per view: worker idx
    view_at: np.ndarray  # datetime64[s]
    view_article: np.ndarray  # index into ARTICLES


# Adopter pools, best first: in no other program on the KPI; in one, with windows apart
# from it; in one, with overlapping windows (a comparison drops them).
FREE, APART, OVERLAPPING, UNFIT = 0, 1, 2, 3


def plan_adoptions(
    rng: np.random.Generator, agents: list[Worker], other_windows: Mapping[int, Sequence[tuple[date, date]]]
) -> dict[str, Adoption]:
    """Adopters of each aid among agents, none adopting two. other_windows: worker idx ->
    their (start, end) windows in the other programs on the aids' KPI (AID_OTHER_PROGRAMS);
    adopters come from outside them as far as there are enough, then from those whose
    windows can lie apart, and last (at most 1 - AID_FREE_PREFERENCE of the uptake) from
    the rest. When the agents outside the other programs are too few for
    AID_FREE_PREFERENCE of every aid, the aids share them in proportion to their uptake."""
    taken: set[int] = set()
    wanted = {pid: round(AID_UPTAKE[pid] * len(agents)) for pid in AID_ARTICLES}
    free_pool = sum(w.idx not in other_windows and _employable(w) for w in agents)
    scale = min(1.0, free_pool / max(AID_FREE_PREFERENCE * sum(wanted.values()), 1))
    out = {}
    for k, program_id in enumerate(AID_ARTICLES):
        # the last aid takes the free agents the others' shares left
        n_free = int(AID_FREE_PREFERENCE * wanted[program_id] * scale) if k < len(AID_ARTICLES) - 1 else len(agents)
        out[program_id] = _plan_aid(rng, program_id, agents, other_windows, taken, wanted[program_id], n_free)
        taken |= set(out[program_id].adopted)
    return out


def _employable(w: Worker) -> bool:
    """Employed long enough, somewhere in the first-view window, for a quick adoption's windows."""
    lo, hi = _first_view_range([w], np.array([2 * _QUICK_GAPS[0][1]]))
    return bool(lo[0] <= hi[0])


def _plan_aid(rng, program_id: str, agents: list[Worker], other_windows, taken: set[int], n: int, n_free: int) -> Adoption:
    times, slow, pool = _schedules(rng, agents, other_windows)
    adopted = [first_meaningful_use(row[~np.isnat(row)]) for row in times]
    pool = np.array(
        [UNFIT if w.idx in taken or not _fits(w, row[0], done) else p for w, row, done, p in zip(agents, times, adopted, pool)]
    )
    order = [np.flatnonzero(pool == p)[rng.permutation(int((pool == p).sum()))] for p in (FREE, APART, OVERLAPPING)]
    # Overlapping adopters are lost to every comparison on the KPI: no more of them than
    # the preference leaves room for, even if the aid then has fewer adopters.
    cap = round((1 - AID_FREE_PREFERENCE) * n)
    chosen = list(order[FREE][: min(n_free, n)])
    rest = np.concatenate([order[APART], order[OVERLAPPING][:cap]])
    chosen = sorted(int(k) for k in chosen + list(rest[: max(n - len(chosen), 0)]))
    bad = rng.random(len(chosen)) < AID_DIP_SHARE

    who, at = [], []
    for k in chosen:
        row = times[k][~np.isnat(times[k])]
        reviews = _reviews(rng, agents[k], adopted[k])
        who.append(np.full(len(row) + len(reviews), agents[k].idx))
        at.append(np.concatenate([row, reviews]))
    who_a = np.concatenate(who) if who else np.zeros(0, np.int64)
    at_a = np.concatenate(at) if at else np.zeros(0, "datetime64[s]")
    first = AID_ARTICLE_LIST.index(AID_ARTICLES[program_id][0])
    n_articles = len(AID_ARTICLES[program_id])
    article = first + rng.choice(n_articles, len(at_a), p=_AID_ARTICLE_P[n_articles])
    return Adoption(
        program_id,
        first_view={agents[k].idx: times[k][0].item() for k in chosen},
        adopted={agents[k].idx: adopted[k].item() for k in chosen},
        slow_start=frozenset(agents[k].idx for k in chosen if slow[k]),
        bad_spell=frozenset(agents[k].idx for k, b in zip(chosen, bad) if b),
        outside_other_programs=int((pool[chosen] == FREE).sum()),
        overlapping_other_programs=int((pool[chosen] == OVERLAPPING).sum()),
        view_worker=who_a,
        view_at=at_a,
        view_article=article.astype(np.int16),
    )


def _schedules(
    rng: np.random.Generator, agents: list[Worker], other_windows: Mapping[int, Sequence[tuple[date, date]]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every agent's would-be views before adoption, (n, 6) datetime64[s] sorted (NaT past a
    quick starter's three; all NaT for an agent never employed long enough), whether they
    start slow, and their pool (FREE, APART, OVERLAPPING, UNFIT). The first view is uniform
    over the days that fit the agent's employment, and keep their windows apart from their
    other programs' where any does. Drawn for everybody, chosen or not, in a fixed order."""
    n = len(agents)
    slow = rng.random(n) < AID_SLOW_START_SHARE
    quick = np.column_stack([rng.integers(a, b, n) for a, b in _QUICK_GAPS])
    spread = np.column_stack([rng.integers(a, b, n) for a, b in _SLOW_GAPS])
    gaps = np.where(slow[:, None], spread, np.pad(quick, ((0, 0), (0, 3))))
    offsets = np.cumsum(np.pad(gaps, ((0, 0), (1, 0))), axis=1)
    offsets[~slow, ADOPTION_MIN_VIEWS:] = offsets[~slow, ADOPTION_MIN_VIEWS - 1 : ADOPTION_MIN_VIEWS]
    lo, hi = _first_view_range(agents, offsets[:, -1])
    window_lo, window_hi = (np.datetime64(d, "D") for d in AID_FIRST_VIEW_WINDOW)
    days = np.arange(window_lo, window_hi + 1)
    fits = (days >= lo[:, None]) & (days <= hi[:, None])
    apart = fits & ~_overlapping(agents, other_windows, days, _calendar_days(offsets[:, -1]))
    allowed = np.where(apart.any(axis=1)[:, None], apart, fits)
    pool = np.select(
        [~fits.any(axis=1), np.array([w.idx not in other_windows for w in agents]), apart.any(axis=1)],
        [UNFIT, FREE, APART],
        OVERLAPPING,
    )
    # The u-th allowed day of each agent, u uniform.
    count = allowed.sum(axis=1)
    pick = np.floor(rng.random(n) * np.maximum(count, 1)).astype(np.int64)
    first = days[np.argmax(np.cumsum(allowed, axis=1) > pick[:, None], axis=1)]
    view_days = np.busday_offset(first[:, None], offsets, roll="forward")
    times = view_days.astype("datetime64[s]") + rng.integers(WORKDAY_START_S, WORKDAY_END_S, view_days.shape).astype(
        "timedelta64[s]"
    )
    times[~slow, ADOPTION_MIN_VIEWS:] = np.datetime64("NaT")
    times[count == 0] = np.datetime64("NaT")
    return np.sort(times, axis=1), slow, pool  # NaT sorts last


def _calendar_days(busdays: np.ndarray) -> np.ndarray:
    """At most how many calendar days busdays business days take, from a day that may roll
    forward over a weekend."""
    return np.ceil(busdays * 7 / 5).astype(np.int64).astype("timedelta64[D]") + np.timedelta64(3, "D")


def _first_view_range(agents: list[Worker], span_busdays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per agent, the first and last first-view day in AID_FIRST_VIEW_WINDOW that leaves the
    agent employed (and the period running) over both windows, for a schedule of span_busdays."""
    window_lo, window_hi = (np.datetime64(d, "D") for d in AID_FIRST_VIEW_WINDOW)
    hired = np.array([np.datetime64(w.hire_date, "D") for w in agents], dtype="datetime64[D]")
    last = np.array(
        [np.datetime64(min(w.termination_date or PERIOD_END, PERIOD_END), "D") for w in agents], dtype="datetime64[D]"
    )
    lo = np.maximum(window_lo, np.maximum(hired, np.datetime64(PERIOD_START, "D")) + _PRE)
    hi = np.minimum(window_hi, last - _POST - _calendar_days(span_busdays))
    return lo, hi


def _overlapping(agents: list[Worker], other_windows, days: np.ndarray, span: np.ndarray) -> np.ndarray:
    """(agents, days): whether an aid window from that first view (AID_PRE_WEEKS before it
    to AID_POST_WEEKS after the adoption, span later at most) meets one of the agent's
    other windows."""
    out = np.zeros((len(agents), len(days)), bool)
    for k, w in enumerate(agents):
        for start, end in other_windows.get(w.idx, ()):
            a, b = np.datetime64(start, "D"), np.datetime64(end, "D")
            out[k] |= (days - _PRE <= b) & (days + span[k] + _POST >= a)
    return out


def _fits(w: Worker, first: np.datetime64, adopted: np.datetime64 | None) -> bool:
    """Employed from the pre window's start to the post window's end, both in the period."""
    if adopted is None:
        return False
    lo = first.item().date() - timedelta(weeks=AID_PRE_WEEKS)
    hi = adopted.item().date() + timedelta(weeks=AID_POST_WEEKS)
    return lo >= PERIOD_START and hi <= PERIOD_END and w.employed_throughout(lo, hi)


def _reviews(rng, w: Worker, adopted: np.datetime64) -> np.ndarray:
    """Views after adoption, at AID_REVIEWS_PER_WEEK while employed."""
    start = adopted.item().date() + timedelta(days=1)
    days = workdays(start, min(w.termination_date or PERIOD_END, PERIOD_END))
    n = rng.poisson(AID_REVIEWS_PER_WEEK * len(days) / 5) if len(days) else 0
    picked = days[rng.integers(0, len(days), n)] if n else days[:0]
    return np.sort(np_work_times(rng, picked))


# --------------------------------------------------------------------------
# The kb_use log
# --------------------------------------------------------------------------
class Spellings:
    """Emails as a tool stores them: the HRIS spelling or one of three mixed-case ones,
    some padded with whitespace; small codes per row, spelt out per monthly file."""

    PREFIX = np.array(["", " ", "  ", "\t"])
    SUFFIX = np.array(["", " ", " ", " "])

    def __init__(self, emails: Sequence[str]):
        self.table = np.array([list(emails)] + [[mixed_case(e, s) for e in emails] for s in range(3)])

    @staticmethod
    def draw(rng: np.random.Generator, n: int, mixed_share: float, padded_share: float) -> tuple[np.ndarray, np.ndarray]:
        style = np.where(rng.random(n) < mixed_share, rng.integers(1, 4, n), 0).astype(np.int8)
        pad = np.where(rng.random(n) < padded_share, rng.integers(1, 4, n), 0).astype(np.int8)
        return style, pad

    def spell(self, person: np.ndarray, style: np.ndarray, pad: np.ndarray) -> np.ndarray:
        email = self.table[style, person]
        return np.char.add(np.char.add(self.PREFIX[pad], email), self.SUFFIX[pad])


class _Tickets:
    """The exported incidents by (agent, opened_at), to find the one an article was used on."""

    def __init__(self, inc: dict):
        kept = np.flatnonzero(inc["keep"])
        opened = inc["opened_at"][kept].astype(np.int64)
        key = (inc["agent"][kept].astype(np.int64) << 32) + opened
        order = np.argsort(key, kind="stable")
        self.key, self.index, self.opened = key[order], kept[order], opened[order]

    def latest_before(self, agent: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Per view: the agent's latest ticket opened within the day before it, else -1."""
        t = at.astype("datetime64[s]").astype(np.int64)
        pos = np.searchsorted(self.key, (agent.astype(np.int64) << 32) + t, side="left") - 1
        safe = np.maximum(pos, 0)
        ok = (pos >= 0) & ((self.key[safe] >> 32) == agent) & (t - self.opened[safe] <= DAY_S)
        return np.where(ok, self.index[safe], -1)


@dataclass
class _Views:
    person: np.ndarray
    at: np.ndarray
    article: np.ndarray
    incident: np.ndarray  # -1: not used on a ticket

    @staticmethod
    def concat(parts: Sequence[_Views]) -> _Views:
        return _Views(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("person", "at", "article", "incident")))


def build_kb_use(
    rng: np.random.Generator, agents: list[Worker], workers: list[Worker], inc: dict, adoptions: Mapping[str, Adoption]
) -> dict:
    """Every knowledge-article view with its final values, one array per field; persons
    are agents (by position), then the other workers, then KB_CONTRACTOR_EMAILS."""
    agent_idx = {w.idx: k for k, w in enumerate(agents)}
    others = [w for w in workers if w.idx not in agent_idx]
    tickets = _Tickets(inc)
    adopters = {i for a in adoptions.values() for i in a.adopted}

    aid_views = [_adopter_views(a, agent_idx) for a in adoptions.values()]
    aid_views += [_casual_views(rng, agents, adopters, program_id) for program_id in AID_ARTICLES]
    aid = _Views.concat(aid_views)
    candidate = tickets.latest_before(aid.person, aid.at)
    aid.incident = np.where(rng.random(len(candidate)) < AID_VIEW_USED, candidate, -1)

    parts = [
        aid,
        _ticket_views(rng, inc),
        _browse_views(rng, agents),
        _outsider_views(rng, others, len(agents)),
        _contractor_views(rng, len(agents) + len(others)),
    ]
    views = _Views.concat(parts)
    keep = views.at <= NP_PERIOD_END_TS
    n = int(keep.sum())
    kb = {name: getattr(views, name)[keep] for name in ("person", "at", "article", "incident")}
    kb["spellings"] = Spellings([w.email for w in agents] + [w.email for w in others] + list(KB_CONTRACTOR_EMAILS))
    kb["style"], kb["pad"] = Spellings.draw(rng, n, KB_EMAIL_MIXED_CASE_SHARE, KB_EMAIL_PADDED_SHARE)
    kb["sys_id"] = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    _attach_late(rng, kb)
    return kb


def _adopter_views(a: Adoption, agent_idx: dict[int, int]) -> _Views:
    person = np.array([agent_idx[i] for i in a.view_worker], dtype=np.int64)
    return _Views(person, a.view_at, a.view_article, np.full(len(person), -1))


def _casual_views(rng, agents: list[Worker], adopters: set[int], program_id: str) -> _Views:
    """AID_CASUAL_SHARE of the agents adopting no aid view this aid's articles once or
    twice while employed: never three views, so never treated."""
    person, at = [], []
    for k, w in enumerate(agents):
        pick, n = rng.random() < AID_CASUAL_SHARE, int(rng.integers(1, 3))
        if not pick or w.idx in adopters:
            continue
        days = workdays(max(w.hire_date, AID_PUBLISHED), min(w.termination_date or PERIOD_END, PERIOD_END))
        if len(days):
            person.append(np.full(n, k))
            at.append(np_work_times(rng, days[rng.integers(0, len(days), n)]))
    return _aid_part(rng, program_id, person, at)


def _aid_part(rng, program_id: str, person: list, at: list) -> _Views:
    p = np.concatenate(person) if person else np.zeros(0, np.int64)
    t = np.concatenate(at) if at else np.zeros(0, "datetime64[s]")
    first = AID_ARTICLE_LIST.index(AID_ARTICLES[program_id][0])
    n_articles = len(AID_ARTICLES[program_id])
    article = (first + rng.choice(n_articles, len(p), p=_AID_ARTICLE_P[n_articles])).astype(np.int16)
    return _Views(p, t, article, np.full(len(p), -1))


def _ticket_views(rng, inc: dict) -> _Views:
    """An agent reads an article within a day of opening KB_VIEWS_PER_TICKET of their
    tickets, and attaches it to that ticket KB_TICKET_VIEW_USED of the time."""
    i = np.flatnonzero((rng.random(len(inc["agent"])) < KB_VIEWS_PER_TICKET) & inc["keep"])
    delay = rng.integers(60, DAY_S - 60, len(i)).astype("timedelta64[s]")
    used = rng.random(len(i)) < KB_TICKET_VIEW_USED
    return _Views(inc["agent"][i].astype(np.int64), inc["opened_at"][i] + delay, _background(rng, len(i)), np.where(used, i, -1))


def _browse_views(rng, agents: list[Worker]) -> _Views:
    """Reading around, KB_BROWSE_PER_AGENT_WEEK a week while employed: never attached."""
    person, at = [], []
    first = history_start()
    for k, w in enumerate(agents):
        days = workdays(max(w.hire_date, first), min(w.termination_date or PERIOD_END, PERIOD_END))
        n = rng.poisson(KB_BROWSE_PER_AGENT_WEEK * len(days) / 5) if len(days) else 0
        person.append(np.full(n, k))
        at.append(np_work_times(rng, days[rng.integers(0, len(days), n)] if n else days[:0]))
    p = np.concatenate(person)
    return _Views(p, np.concatenate(at), _background(rng, len(p)), np.full(len(p), -1))


def _outsider_views(rng, others: list[Worker], offset: int) -> _Views:
    """AID_CASUAL_OUTSIDER_SHARE of the other workers look the printer guide up once."""
    person, at = [], []
    for k, w in enumerate(others):
        pick = rng.random() < AID_CASUAL_OUTSIDER_SHARE
        days = workdays(max(w.hire_date, AID_PUBLISHED), min(w.termination_date or PERIOD_END, PERIOD_END))
        if pick and len(days):
            person.append(np.array([offset + k]))
            at.append(np_work_times(rng, days[rng.integers(0, len(days), 1)]))
    return _aid_part(rng, "PRG-KBN", person, at)


def _contractor_views(rng, offset: int) -> _Views:
    """Temporary help-desk staff in no HRIS: background reading, and the first of them
    works through the checklist like an adopter (nobody the pipeline can measure)."""
    days = workdays(PERIOD_START, PERIOD_END)
    person, at = [], []
    for k in range(len(KB_CONTRACTOR_EMAILS)):
        n = rng.poisson(KB_CONTRACTOR_VIEWS_PER_WEEK * len(days) / 5)
        person.append(np.full(n, offset + k))
        at.append(np_work_times(rng, days[rng.integers(0, len(days), n)]))
    p = np.concatenate(person)
    background = _Views(p, np.concatenate(at), _background(rng, len(p)), np.full(len(p), -1))
    burst_days = np.busday_offset(np.datetime64(date(2025, 9, 1), "D"), [0, 2, 4, 15, 40], roll="forward")
    burst = _aid_part(rng, "PRG-KBA", [np.full(len(burst_days), offset)], [np_work_times(rng, burst_days)])
    return _Views.concat([background, burst])


def _background(rng, n: int) -> np.ndarray:
    return (_FIRST_BACKGROUND + rng.choice(KB_BACKGROUND_ARTICLES, n, p=_BACKGROUND_P)).astype(np.int16)


def _attach_late(rng, kb: dict) -> None:
    """About KB_REDELIVERED_SHARE of all rows are used views attached only in the next
    month: their first row shows them unused, a second (the next month's file, a later
    sys_updated_on) used, on the ticket. The others' row is updated when viewed (or when
    attached, a few minutes later)."""
    n = len(kb["at"])
    used = kb["incident"] >= 0
    share = KB_REDELIVERED_SHARE * n / max(int(used.sum()), 1)
    month_start = (kb["at"].astype("datetime64[M]") + 1).astype("datetime64[D]")
    late_at = np_work_times(rng, np.busday_offset(month_start, rng.integers(0, 8, n), roll="forward"))
    late = used & (rng.random(n) < share) & (late_at <= NP_PERIOD_END_TS)
    attach = rng.integers(5, 300, n).astype("timedelta64[s]")
    kb["late"] = late
    kb["late_at"] = late_at
    kb["updated"] = np.minimum(np.where(used & ~late, kb["at"] + attach, kb["at"]), NP_PERIOD_END_TS)


def kb_monthly_tables(kb: dict, n_months: int, numbers) -> Iterator[dict[str, list[str]]]:
    """One table per extract month, rows by (sys_updated_on, view): each view in the month
    it was last updated before a late attachment, a late-attached one again in the next.
    numbers: incident index -> its number as the incidents feed writes it."""
    n = len(kb["at"])
    late = np.flatnonzero(kb["late"])
    index = np.concatenate([np.arange(n), late])
    second = np.concatenate([np.zeros(n, bool), np.ones(len(late), bool)])
    updated = np.concatenate([kb["updated"], kb["late_at"][late]])
    month = np_month_index(updated)
    order = np.lexsort((index, updated, month))
    index, second, updated, month = index[order], second[order], updated[order], month[order]
    bounds = np.searchsorted(month, np.arange(n_months + 1))
    columns = csv_columns("servicedesk", "kb_use")
    for m in range(n_months):
        sl = slice(bounds[m], bounds[m + 1])
        i = index[sl]
        used = (kb["incident"][i] >= 0) & (second[sl] | ~kb["late"][i])
        cols = {
            "sys_id": hex_ids(kb["sys_id"][i]),
            "article": ARTICLES[kb["article"][i]],
            "user.email": kb["spellings"].spell(kb["person"][i], kb["style"][i], kb["pad"][i]),
            "viewed_on": np_iso_ts(kb["at"][i]),
            "used": np_bool(used),
            "incident": np.where(used, numbers(np.maximum(kb["incident"][i], 0)), ""),
            "sys_updated_on": np_iso_ts(updated[sl]),
        }
        yield {c: cols[c].tolist() for c in columns}


def kb_counts(kb: dict, adoptions: Mapping[str, Adoption], n_agents: int, bad_spells: bool) -> dict:
    """What the summary says about the log: views, their final used share, re-deliveries,
    the adopters (bad_spells: whether the profile's dip gives some a bad spell)."""
    by_agent = kb["person"] < n_agents
    return {
        "views": int(len(kb["at"])),
        "used_share_of_agent_views": round(float((kb["incident"][by_agent] >= 0).mean()), 4) if by_agent.any() else None,
        "redelivered_rows": int(kb["late"].sum()),
        "unmatched_emails": list(KB_CONTRACTOR_EMAILS),
        "contractor_working_through_PRG-KBA": KB_CONTRACTOR_EMAILS[0],
        "aids": {pid: _aid_counts(a, bad_spells) for pid, a in adoptions.items()},
    }


def _aid_counts(a: Adoption, bad_spells: bool) -> dict:
    return {
        "articles": list(AID_ARTICLES[a.program_id]),
        "adopters": len(a.adopted),
        "slow_starters": len(a.slow_start),
        "bad_spell": len(a.bad_spell) if bad_spells else 0,
        "adopters_outside_other_programs": a.outside_other_programs,
        "adopters_overlapping_other_programs": a.overlapping_other_programs,
    }
