"""How a program's effect reaches a KPI, in the worlds real companies produce.

The friendly world adds the planted effect, unchanged, to all work a completer
begins after completing. The profile's hard-world options bend that:

- effect_half_life_weeks: the effect halves every so many weeks after completion
  (skill decay);
- effect_growth: the effect is larger for later completers (a program that got
  better), by that share per month of completion date from STUDY_MIDPOINT;
- teammate_spillover: untrained teammates (the same manager) of a completer learn
  that share of the effect, from their team's first completion on;
- trend_selection: the people sent were already improving, by that share of the
  effect per month, before and after their first registration alike (selection on
  trend: no program effect, a bias of any before/after comparison).

``EffectPath.added`` is what a KPI value gets; ``EffectPath.program`` is the part
that is the program's own effect on a completer (the estimand), so that truths can
be computed per person from the same draw (``truths``).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np

from .common import NP_FAR_FUTURE

STUDY_MIDPOINT = np.datetime64("2025-10-01T00:00:00", "s")
SECONDS_PER_WEEK = 7 * 86400
SECONDS_PER_MONTH = 30.4375 * 86400
POST_WINDOW_WEEKS = 13
FIRST_YEAR_WEEKS = 52
CATALOGUE = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "kpi_catalogue.csv"


def _times(values: dict[int, datetime], workers) -> np.ndarray:
    return np.array([np.datetime64(values[w.idx], "s") if w.idx in values else NP_FAR_FUTURE for w in workers])


class EffectPath:
    """One program's effect on one KPI over workers (by position in the list given)."""

    def __init__(self, workers, completion: dict[int, datetime], first_registration: dict[int, datetime],
                 size: float, profile):
        self.size = float(size)
        self.half_life = float(profile.effect_half_life_weeks)
        self.growth = float(profile.effect_growth)
        self.spillover = float(profile.teammate_spillover)
        self.trend = float(profile.trend_selection)
        self.completed = _times(completion, workers)
        self.first_registration = _times(first_registration, workers)
        self.is_completer = np.array([w.idx in completion for w in workers])
        self.is_participant = np.array([w.idx in first_registration for w in workers])
        # A team is a manager's reports; its first completion starts the spillover.
        team_first: dict[str, np.datetime64] = {}
        for w, done in zip(workers, self.completed):
            if done != NP_FAR_FUTURE:
                team_first[w.manager_id] = min(team_first.get(w.manager_id, done), done)
        self.team_first = np.array([team_first.get(w.manager_id, NP_FAR_FUTURE) for w in workers])

    def _decay(self, since: np.ndarray) -> np.ndarray:
        if self.half_life <= 0:
            return np.ones_like(since, dtype=np.float64)
        return np.power(0.5, np.maximum(since, 0) / (self.half_life * SECONDS_PER_WEEK))

    def _scale(self, who: np.ndarray) -> np.ndarray:
        months = (self.completed[who] - STUDY_MIDPOINT).astype(np.float64) / SECONDS_PER_MONTH
        return np.maximum(1.0 + self.growth * months, 0.0) if self.growth else np.ones(len(who))

    def program(self, times: np.ndarray, who: np.ndarray) -> np.ndarray:
        """The program's own effect on work begun at times by completers (0 before completion)."""
        t = times.astype("datetime64[s]")
        done = self.completed[who]
        after = t >= done
        since = np.where(after, (t - np.where(after, done, t)).astype(np.float64), 0.0)
        scale = np.where(after, self._scale(np.where(after, who, 0)), 0.0)
        return np.where(after, self.size * scale * self._decay(since), 0.0)

    def added(self, times: np.ndarray, who: np.ndarray) -> np.ndarray:
        """Everything the options add to work begun at times: the program's effect,
        teammates' spillover and the participants' own trend."""
        out = self.program(times, who)
        t = times.astype("datetime64[s]")
        if self.spillover:
            first = self.team_first[who]
            spill = ~self.is_completer[who] & (t >= first)
            since = np.where(spill, (t - np.where(spill, first, t)).astype(np.float64), 0.0)
            out = out + np.where(spill, self.spillover * self.size * self._decay(since), 0.0)
        if self.trend:
            reg = self.first_registration[who]
            part = self.is_participant[who]
            months = np.where(part, (t - np.where(part, reg, t)).astype(np.float64) / SECONDS_PER_MONTH, 0.0)
            out = out + np.where(part, self.trend * self.size * months, 0.0)
        return out

    def first_year_effect(self) -> float:
        """The completers' mean effect per week over the first year after completion
        (the weekly path at mid-week, averaged over 52 weeks and over completers)."""
        who = np.flatnonzero(self.is_completer)
        if len(who) == 0:
            return 0.0
        weeks = (np.arange(FIRST_YEAR_WEEKS) + 0.5) * SECONDS_PER_WEEK
        path = self._decay(weeks).mean()
        return float(self.size * path * self._scale(who).mean())


def post_start(completed: np.ndarray) -> np.ndarray:
    """The Monday after each completion's (ISO) week: where the post window starts."""
    days = completed.astype("datetime64[D]")
    monday = days - ((days - np.datetime64("1970-01-05", "D")).astype(np.int64) % 7)
    return (monday + np.timedelta64(7, "D")).astype("datetime64[s]")


def capped(values: np.ndarray, floor: float, cap: float | None) -> np.ndarray:
    out = np.maximum(values, floor)
    return np.minimum(out, cap) if cap is not None else out


def truths(path: EffectPath, times: np.ndarray, who: np.ndarray, raw: np.ndarray, floor: float,
           cap: float | None, teammates_raw: np.ndarray | None = None) -> dict:
    """Per-person truths from the drawn work: each completer's mean difference, over work
    begun in the POST_WINDOW_WEEKS of the post window (from the Monday of the week after
    the completion week, as the pipeline's windows run), between the KPI as measured (floored,
    capped at the catalogue's cap) with and without the program's own effect; their mean
    is the estimand. Also the mean first-year effect (for ROI) and, with spillover, the
    untrained teammates' mean spillover over the same span after their team's first
    completion."""
    program = path.program(times, who)
    diff = capped(raw, floor, cap) - capped(raw - program, floor, cap)
    t = times.astype("datetime64[s]")
    start = post_start(path.completed[who])
    in_post = (t >= start) & (t < start + np.timedelta64(POST_WINDOW_WEEKS * SECONDS_PER_WEEK, "s"))
    per_person = {}
    for p in np.unique(who[in_post]):
        sel = in_post & (who == p)
        per_person[int(p)] = float(diff[sel].mean())
    out = {
        "effect": float(np.mean(list(per_person.values()))) if per_person else None,
        "people": len(per_person),
        "first_year_effect": path.first_year_effect(),
    }
    if path.spillover:
        first = path.team_first[who]
        spill = ~path.is_completer[who] & (t >= first) & (t < first + np.timedelta64(POST_WINDOW_WEEKS * SECONDS_PER_WEEK, "s"))
        since = np.where(spill, (t - np.where(spill, first, t)).astype(np.float64), 0.0)
        amount = np.where(spill, path.spillover * path.size * path._decay(since), 0.0)
        out["spillover"] = float(amount[spill].mean()) if spill.any() else None
    return out


def catalogue_cap(kpi: str) -> float | None:
    """The KPI catalogue's cap of a restricted-mean KPI (the truths are on the measure the
    pipeline publishes), read from the dbt seed: one place holds it."""
    with CATALOGUE.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["kpi"] == kpi:
                return float(row["value_cap"]) if row["value_cap"] else None
    raise KeyError(f"{kpi} is not in {CATALOGUE}")
