"""ServiceNow-style incidents handled by Customer Support agents.

Vectorised: one numpy array per field over all incidents, then one row per
version (opened, resolved, closed) grouped into monthly files by
sys_updated_on.

Resolution hours = agent baseline + secular trend + PRG-SUP effect (tickets
opened after the agent completed PRG-SUP) + the job aids' effects (tickets
opened after the agent's first meaningful use of one, see aids.py) +
Ashenfelter dip (tickets opened in the dip window before the agent's first
PRG-SUP registration, or before their first view of an aid) + noise.
New agents ramp up (profile option onboarding): they open fewer tickets in
their first weeks, see common.Ramp.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import numpy as np

from .common import (
    NP_FAR_FUTURE,
    NP_PERIOD_END_TS,
    WORKDAY_END_S,
    WORKDAY_START_S,
    DipWindows,
    Ramp,
    history_start,
    mixed_case,
    month_index,
    np_bool,
    np_iso_ts,
    np_month_index,
    trend_months,
    workdays,
)
from .constants import (
    BAD_INCIDENT_ROW_DATE,
    CSAT_RESPONSE_RATE,
    HEAVY_TAIL_SIGMA,
    INCIDENT_EMAIL_MIXED_CASE_SHARE,
    INCIDENT_EMAIL_PADDED_SHARE,
    INCIDENT_UNASSIGNED_SHARE,
    INCIDENTS_PER_AGENT_WEEK,
    KNOWLEDGE_BASE_RATE,
    KPI_MODEL,
    LATE_FIRST_RESPONSE_MINUTES,
    PERIOD_END,
    PLANTED,
    SECULAR_TREND,
    STUCK_TICKET_HOURS,
    STUCK_TICKET_SHARE,
)
from .contracts import csv_columns
from .effects import EffectPath, catalogue_cap, truths
from .people import Worker

PRIORITIES = np.array(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"])
PRIORITY_P = (0.03, 0.17, 0.50, 0.30)
CATEGORIES = np.array(["Access", "Account", "Billing", "Hardware", "Inquiry / Help", "Network", "Software"])
CSAT_P = (0.06, 0.08, 0.16, 0.34, 0.36)
NEW_STATE_SHARE = 0.10  # opened-month row caught before the first response
OPEN, RESOLVED, CLOSED = 0, 1, 2  # version kinds


def _agent_arrays(agents: list[Worker], completion: dict[int, datetime]) -> dict[str, np.ndarray]:
    """Per-agent facts the incidents need, indexed by position in agents."""
    return {
        "completed": np.array([np.datetime64(completion[w.idx], "s") if w.idx in completion else NP_FAR_FUTURE
                               for w in agents]),
        "promoted": np.array([np.datetime64(w.promotion.effective, "s") if w.promotion else NP_FAR_FUTURE
                              for w in agents]),
        "level_before": np.array([w.level for w in agents]),
        "level_after": np.array([w.promotion.level if w.promotion else w.level for w in agents]),
    }


def _open_times(rng: np.random.Generator, agents: list[Worker],
                ramp: Ramp | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(agent index, opened_at) for every incident, in opened_at order.

    Each agent gets Poisson(5 x FTE per working week) incidents while employed,
    on random weekdays at random working-hour seconds; with a ramp, a new
    agent's are thinned to their ramp share of that on each day.
    """
    first = history_start()
    days = workdays(first, PERIOD_END)
    who, when = [], []
    for a, w in enumerate(agents):
        lo = np.searchsorted(days, np.datetime64(max(w.hire_date, first), "D"))
        hi = np.searchsorted(days, np.datetime64(min(w.termination_date or PERIOD_END, PERIOD_END), "D"), side="right")
        if hi <= lo:
            continue
        n = rng.poisson(INCIDENTS_PER_AGENT_WEEK * w.fte * (hi - lo) / 5)
        who.append(np.full(n, a))
        when.append(days[rng.integers(lo, hi, n)])
    agent, day = np.concatenate(who), np.concatenate(when)
    if ramp is not None:
        kept = ramp.kept(day, agent)
        agent, day = agent[kept], day[kept]
    opened = day.astype("datetime64[s]")
    opened = opened + rng.integers(WORKDAY_START_S, WORKDAY_END_S, len(opened)).astype("timedelta64[s]")
    order = np.lexsort((agent, opened))
    return agent[order], opened[order]


def _raw_kpi(rng, kpi: str, base: np.ndarray, months: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """person baseline + secular trend + program effect + noise, before the floor."""
    _, _, noise_sd, _ = KPI_MODEL[kpi]
    return base + SECULAR_TREND[kpi] * months + effect + rng.normal(0, noise_sd, len(months))


def _kpi(rng, kpi: str, base: np.ndarray, months: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """person baseline + secular trend + program effect + noise, floored."""
    return np.maximum(_raw_kpi(rng, kpi, base, months, effect), KPI_MODEL[kpi][3])


def _heavy_tailed_hours(rng, base: np.ndarray, months: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """Resolution hours as real service desks export them (profile option heavy_tails):
    the person's level times lognormal noise (mean 1, HEAVY_TAIL_SIGMA), a share of
    tickets stuck for weeks (STUCK_TICKET_SHARE, STUCK_TICKET_HOURS), plus the effect."""
    n = len(months)
    level = base + SECULAR_TREND["ticket_resolution_hours"] * months
    noise = np.exp(rng.normal(-HEAVY_TAIL_SIGMA ** 2 / 2, HEAVY_TAIL_SIGMA, n))
    stuck = np.where(rng.random(n) < STUCK_TICKET_SHARE, rng.uniform(*STUCK_TICKET_HOURS, n), 0.0)
    return level * noise + stuck + effect


def incident_numbers(i: np.ndarray) -> np.ndarray:
    """The ticket number of incident index i, as the export writes it (INC0010001, ...)."""
    return np.char.add("INC", np.char.zfill((i + 10001).astype(str), 7))


def _seconds(x: np.ndarray) -> np.ndarray:
    return np.round(x).astype(np.int64).astype("timedelta64[s]")


def hex_ids(raw: np.ndarray) -> np.ndarray:
    """(n, 16) bytes -> n strings of 32 lowercase hex digits."""
    digits = np.frombuffer(b"0123456789abcdef", np.uint8)
    chars = np.empty((len(raw), 32), np.uint8)
    chars[:, 0::2], chars[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    return chars.view("S32").ravel().astype(str)


class _Assignee:
    """assigned_to.email as typed into the tool: some mixed case, some padded, a few empty.

    Stored as small codes per incident and spelled out per monthly file, so
    large scales do not hold a million Python strings.
    """

    PREFIX = np.array(["", " ", "  ", "\t"])
    SUFFIX = np.array(["", " ", " ", " "])

    def __init__(self, rng: np.random.Generator, agents: list[Worker], n: int):
        # spellings[0] is the HRIS email, 1..3 the mixed-case variants
        self.spellings = np.array([[w.email for w in agents]] +
                                  [[mixed_case(w.email, s) for w in agents] for s in range(3)])
        u = rng.random(n)
        self.unassigned = u < INCIDENT_UNASSIGNED_SHARE
        mixed = ~self.unassigned & (u < INCIDENT_UNASSIGNED_SHARE + INCIDENT_EMAIL_MIXED_CASE_SHARE)
        self.style = np.where(mixed, rng.integers(1, 4, n), 0).astype(np.int8)
        padded = ~self.unassigned & (rng.random(n) < INCIDENT_EMAIL_PADDED_SHARE)
        self.pad = np.where(padded, rng.integers(1, 4, n), 0).astype(np.int8)

    def emails(self, i: np.ndarray, agent: np.ndarray) -> np.ndarray:
        email = self.spellings[self.style[i], agent]
        email = np.char.add(np.char.add(self.PREFIX[self.pad[i]], email), self.SUFFIX[self.pad[i]])
        return np.where(self.unassigned[i], "", email)


def draw_incidents(rng: np.random.Generator, agents: list[Worker], completion: dict[int, datetime], *,
                   dip: DipWindows | None = None, late_rng: np.random.Generator | None = None,
                   late_share: float = 0.0, open_at_end: bool = True, ramp: Ramp | None = None,
                   path: EffectPath | None = None, heavy_tails: bool = False,
                   aids: Mapping[str, EffectPath] | None = None, aid_dips: Sequence[DipWindows] = ()) -> dict:
    """Every incident with its final values: timestamps as datetime64, the
    rest as small codes, one array per field.

    dip: the Ashenfelter dip windows of the agents (hours added to tickets
    opened in them). late_share (drawn from late_rng, a separate stream): that
    share of incidents resolved in the period get their first response logged
    after the resolution. open_at_end False: incidents not resolved by
    PERIOD_END are not exported ("keep" is False). ramp: new agents' ramp
    (common.Ramp over agents), thinning the tickets they open. aids: the
    performance-support programs' effects (program id -> EffectPath over agents, by first
    meaningful use), added to PRG-SUP's; aid_dips: their adopters' bad spells before the
    first view. With path (a world that computes truths), inc["aid_truths"] holds each
    aid's, as inc["truth"] PRG-SUP's.
    """
    facts = _agent_arrays(agents, completion)
    agent, opened = _open_times(rng, agents, ramp)
    n = len(agent)
    months = trend_months(opened)
    after = opened >= facts["completed"][agent]  # PRG-SUP completed before this ticket

    res_mean, res_sd, _, _ = KPI_MODEL["ticket_resolution_hours"]
    fr_mean, fr_sd, _, _ = KPI_MODEL["first_response_minutes"]
    res_base = rng.normal(res_mean, res_sd, len(agents))
    fr_base = rng.normal(fr_mean, fr_sd, len(agents))
    # The program's effect as the profile's world bends it (fading, growing, spilling
    # to teammates, a participant's own trend), else the planted effect, unchanged.
    res_effect = (path.added(opened, agent) if path is not None
                  else np.where(after, PLANTED[("PRG-SUP", "ticket_resolution_hours")], 0.0))
    if dip is not None:  # tickets opened just before the agent was nominated
        res_effect = res_effect + dip.added(opened, agent)
    for aid in (aids or {}).values():  # tickets opened after the agent took up a job aid
        res_effect = res_effect + aid.added(opened, agent)
    for aid_dip in aid_dips:  # tickets opened in the bad spell before the agent turned to it
        res_effect = res_effect + aid_dip.added(opened, agent)
    if heavy_tails:
        raw = _heavy_tailed_hours(rng, res_base[agent], months, res_effect)
    else:
        raw = _raw_kpi(rng, "ticket_resolution_hours", res_base[agent], months, res_effect)
    hours = np.maximum(raw, KPI_MODEL["ticket_resolution_hours"][3])
    minutes = _kpi(rng, "first_response_minutes", fr_base[agent], months, np.zeros(n))  # PRG-MND: no effect

    first_response = opened + _seconds(minutes * 60)
    # A ticket is never resolved before its true first response (only bites at the floor).
    resolved = np.maximum(opened + _seconds(hours * 3600), first_response + np.timedelta64(60, "s"))
    closed = resolved + rng.integers(86400, 3 * 86400 + 1, n).astype("timedelta64[s]")

    knowledge_p = KNOWLEDGE_BASE_RATE + np.where(after, PLANTED[("PRG-SUP", "knowledge_use_rate")], 0.0)
    has_csat = (rng.random(n) < CSAT_RESPONSE_RATE) & (resolved <= NP_PERIOD_END_TS)
    promoted = opened >= facts["promoted"][agent]
    level = np.where(promoted, facts["level_after"][agent], facts["level_before"][agent])

    inc = {
        "agent": agent,
        "opened_at": opened,
        "first_response_at": first_response,
        "resolved_at": resolved,
        "closed_at": closed,
        "sys_id": rng.integers(0, 256, (n, 16), dtype=np.uint8),
        "assignee": _Assignee(rng, agents, n),
        "group_l1": level == "L1",
        "priority": rng.choice(4, n, p=PRIORITY_P).astype(np.int8),
        "category": rng.integers(0, len(CATEGORIES), n).astype(np.int8),
        "reopen_count": rng.choice(3, n, p=(0.94, 0.05, 0.01)).astype(np.int8),
        "reassignment_count": np.minimum(rng.poisson(0.4, n), 5).astype(np.int8),
        "knowledge": rng.random(n) < knowledge_p,
        "u_csat_score": np.where(has_csat, rng.choice(5, n, p=CSAT_P) + 1, 0).astype(np.int8),
        # the opened-month row was exported before the first response
        "is_new": (rng.random(n) < NEW_STATE_SHARE) | (first_response > NP_PERIOD_END_TS),
        "keep": np.ones(n, bool) if open_at_end else resolved <= NP_PERIOD_END_TS,
    }
    if path is not None:
        _, _, _, floor = KPI_MODEL["ticket_resolution_hours"]
        cap = catalogue_cap("ticket_resolution_hours")
        inc["truth"] = truths(path, opened, agent, raw, floor, cap)
        inc["aid_truths"] = {pid: truths(aid, opened, agent, raw, floor, cap) for pid, aid in (aids or {}).items()}
    if late_share > 0:
        _log_first_response_late(late_rng, inc, late_share)
    return inc


def _log_first_response_late(rng: np.random.Generator, inc: dict, share: float) -> None:
    """Fixed on the spot, first response logged afterwards: first_response_at
    = resolved_at + LATE_FIRST_RESPONSE_MINUTES, on incidents resolved in the
    period (and whose late first response is still in it). Their opened-month
    row shows no first response yet (state New)."""
    n = len(inc["agent"])
    lo, hi = LATE_FIRST_RESPONSE_MINUTES
    late_at = inc["resolved_at"] + rng.integers(lo * 60, hi * 60 + 1, n).astype("timedelta64[s]")
    late = (rng.random(n) < share) & (late_at <= NP_PERIOD_END_TS)
    inc["first_response_at"] = np.where(late, late_at, inc["first_response_at"])
    inc["is_new"] = inc["is_new"] | late


def latest_counts(inc: dict) -> dict[str, int]:
    """Counts over each exported incident's LATEST version (greatest
    sys_updated_on), i.e. what a pipeline keeping the latest version sees."""
    index, kind, updated = _versions(inc)
    order = np.lexsort((updated, index))
    index, kind = index[order], kind[order]
    last = np.flatnonzero(np.r_[index[1:] != index[:-1], True])
    i, k = index[last], kind[last]
    resolved_first = inc["resolved_at"][i] < inc["first_response_at"][i]  # both shown unless OPEN
    return {
        "exported": int(len(last)),
        "open_at_end": int((k == OPEN).sum()),
        "resolved_before_first_response": int(((k != OPEN) & resolved_first).sum()),
    }


# --------------------------------------------------------------------------
# Versions and monthly files
# --------------------------------------------------------------------------
def _versions(inc: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(incident index, version kind, sys_updated_on) of every row to write.

    OPEN: in the month opened, New (exported before the first response) or
    In Progress. RESOLVED: in the month resolved (or the late first response
    was logged), when it is closed in a later month or not by period end.
    CLOSED: in the month closed. Two versions in one month are both written;
    the latest sys_updated_on wins. Incidents with keep False are not written.
    """
    end = NP_PERIOD_END_TS
    keep = inc["keep"]
    # A first response logged after the resolution updates the resolved row.
    resolved_row = np.maximum(inc["resolved_at"], inc["first_response_at"])
    res_m, clo_m = np_month_index(resolved_row), np_month_index(inc["closed_at"])
    closed_in_period = keep & (inc["closed_at"] <= end)
    versions = [
        (OPEN, keep, np.where(inc["is_new"], inc["opened_at"], inc["first_response_at"])),
        (RESOLVED, keep & (inc["resolved_at"] <= end) & ~(closed_in_period & (clo_m == res_m)), resolved_row),
        (CLOSED, closed_in_period, inc["closed_at"]),
    ]
    index = np.concatenate([np.flatnonzero(mask) for _, mask, _ in versions])
    kind = np.concatenate([np.full(mask.sum(), k, np.int8) for k, mask, _ in versions])
    updated = np.concatenate([ts[mask] for _, mask, ts in versions])
    return index, kind, updated


def _format(inc: dict, i: np.ndarray, kind: np.ndarray, updated: np.ndarray) -> dict[str, list[str]]:
    """Spell out rows (incident index i, version kind) as the export shows them."""
    is_open, is_closed = kind == OPEN, kind == CLOSED
    is_new = is_open & inc["is_new"][i]
    csat = inc["u_csat_score"][i]
    cols = {
        "number": incident_numbers(i),
        "sys_id": hex_ids(inc["sys_id"][i]),
        "opened_at": np_iso_ts(inc["opened_at"][i]),
        "first_response_at": np.where(is_new, "", np_iso_ts(inc["first_response_at"][i])),
        "resolved_at": np.where(is_open, "", np_iso_ts(inc["resolved_at"][i])),
        "closed_at": np.where(is_closed, np_iso_ts(inc["closed_at"][i]), ""),
        "sys_updated_on": np_iso_ts(updated),
        "assigned_to.email": inc["assignee"].emails(i, inc["agent"][i]),
        "assignment_group": np.where(inc["group_l1"][i], "Service Desk L1", "Service Desk L2"),
        "priority": PRIORITIES[inc["priority"][i]],
        "state": np.select([is_new, is_open, kind == RESOLVED], ["New", "In Progress", "Resolved"], "Closed"),
        "category": CATEGORIES[inc["category"][i]],
        # Counts, knowledge and CSAT are only known once the ticket is resolved.
        "reopen_count": np.where(is_open, "0", inc["reopen_count"][i].astype(str)),
        "reassignment_count": np.where(is_open, "0", inc["reassignment_count"][i].astype(str)),
        "knowledge": np.where(is_open, "false", np_bool(inc["knowledge"][i])),
        "u_csat_score": np.where(is_open | (csat == 0), "", csat.astype(str)),
    }
    return {c: a.tolist() for c, a in cols.items()}


def monthly_tables(inc: dict, n_months: int) -> Iterator[tuple[int, dict[str, list[str]], list | None]]:
    """Yield (month, rows sorted by (sys_updated_on, number), broken row or None).

    The broken row is a truncated extra copy of an interim row whose incident
    reappears complete in a later month, so quarantining it loses nothing.
    """
    index, kind, updated = _versions(inc)
    month = np_month_index(updated)
    order = np.lexsort((index, updated, month))  # number order is index order
    index, kind, updated, month = index[order], kind[order], updated[order], month[order]
    bounds = np.searchsorted(month, np.arange(n_months + 1))
    final_m = np.where(inc["closed_at"] <= NP_PERIOD_END_TS,
                       np_month_index(inc["closed_at"]), np_month_index(inc["resolved_at"]))
    columns = csv_columns("servicedesk", "incidents")
    bad_m = month_index(BAD_INCIDENT_ROW_DATE)

    for m in range(n_months):
        sl = slice(bounds[m], bounds[m + 1])
        table = _format(inc, index[sl], kind[sl], updated[sl])
        bad = None
        if m == bad_m:
            fm = final_m[index[sl]]
            pos = int(np.flatnonzero((kind[sl] == OPEN) & (fm > m) & (fm < n_months))[0])
            bad = {"position": pos + 1, "fields": [table[c][pos] for c in columns][:9]}
        yield m, table, bad
