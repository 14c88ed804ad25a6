"""Salesforce-style CRM: users (Sales reps) and their opportunities.

Two ways to draw deals (profile option effect_by_start):

- creation first (on): each rep opens deals as a Poisson process over working
  days; the sales cycle (baseline + secular trend by CreatedDate + PRG-SAL
  effect on deals CREATED after completion + Ashenfelter dip + noise) then
  fixes CloseDate. Deals that close after PERIOD_END are still open in the
  last files.
- close first (off): CloseDate is drawn first, the effect applies to deals
  CLOSING after completion, and the cycle then fixes CreatedDate.

New reps ramp up (profile option onboarding): they create fewer deals in
their first weeks, see common.Ramp (by CreatedDate, either way).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import numpy as np

from .common import (
    NP_FAR_FUTURE,
    NP_PERIOD_END_TS,
    DipWindows,
    Ramp,
    history_start,
    mixed_case,
    np_bool,
    np_history_start,
    np_iso_date,
    np_iso_ts,
    np_month_index,
    sf_id,
    sf_ids,
    trend_months,
    workdays,
)
from .constants import (
    CLOSED_OPPS_PER_REP_WEEK,
    CRM_EMAIL_MIXED_CASE_SHARE,
    CRM_INTEGRATION_EMAIL,
    DEAL_LEAD_IN_DAYS,
    KPI_MODEL,
    LEAVER_WIND_DOWN_DAYS,
    N_DELETED_OPPORTUNITY_SHARE,
    NEW_REP_FIRST_DEAL_DAYS,
    PERIOD_END,
    PLANTED,
    SECULAR_TREND,
    WIN_RATE,
)
from .effects import EffectPath, catalogue_cap, truths
from .people import Worker

# Deals keep closing after the period, so the last files hold open pipeline.
CLOSE_HORIZON = PERIOD_END + timedelta(days=60)
NEW_REP_RAMP_DAYS = 60  # a new rep's first deal closes no earlier than this
EXPECTED_CLOSE_DAYS = 30  # CloseDate while a deal is still open: a guess
ACCOUNT_WORDS = ["Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Acme", "Hooli", "Vandelay", "Soylent", "Cyberdyne", "Tyrell", "Wonka", "Gringotts", "Oceanic", "Pied", "Massive", "Aperture", "Black", "Mesa", "Blue", "Sun"]
ACCOUNT_KINDS = ("Logistics", "Health", "Foods", "Bank", "Retail", "Energy", "Media", "Labs", "Motors", "Insurance")
PRODUCTS = np.array(["New Business", "Renewal", "Upsell", "Expansion", "Pilot"])


# --------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------
class CrmUsers:
    """One CRM user per Sales worker, plus an integration user not in HRIS."""

    def __init__(self, rng: np.random.Generator, sales: list[Worker]):
        self.sales = sales
        self.id_of = {w.idx: sf_id("005", k) for k, w in enumerate(sales, start=1)}
        self.integration_id = sf_id("005", 0)
        self.email_of = {}
        for w in sales:  # how the admin typed it in, once and for all
            mixed = rng.random() < CRM_EMAIL_MIXED_CASE_SHARE
            self.email_of[w.idx] = mixed_case(w.email, int(rng.integers(0, 3))) if mixed else w.email

    def rows(self, d: date) -> list[dict[str, str]]:
        rows = [{"Id": self.integration_id, "Email": CRM_INTEGRATION_EMAIL, "IsActive": "true"}]
        for w in self.sales:
            if w.hire_date > d:
                continue
            # Salesforce users are deactivated, never deleted.
            active = w.termination_date is None or w.termination_date > d
            rows.append({"Id": self.id_of[w.idx], "Email": self.email_of[w.idx], "IsActive": "true" if active else "false"})
        return rows


# --------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------
def _deal_days(rng: np.random.Generator, reps: list[Worker], days: np.ndarray, span) -> tuple[np.ndarray, np.ndarray]:
    """(rep index, day) for every deal: Poisson(2 x FTE per working week) on random
    weekdays among `days`, between the (first, last) days span(worker) gives."""
    who, when = [], []
    for a, w in enumerate(reps):
        first, last = span(w)
        lo = np.searchsorted(days, np.datetime64(first, "D"))
        hi = np.searchsorted(days, np.datetime64(last, "D"), side="right")
        if hi <= lo:
            continue
        n = rng.poisson(CLOSED_OPPS_PER_REP_WEEK * w.fte * (hi - lo) / 5)
        who.append(np.full(n, a))
        when.append(days[rng.integers(lo, hi, n)])
    rep, day = np.concatenate(who), np.concatenate(when)
    order = np.lexsort((rep, day))
    return rep[order], day[order]


def _close_days(rng: np.random.Generator, reps: list[Worker]) -> tuple[np.ndarray, np.ndarray]:
    """(rep index, CloseDate) for every deal while the rep is employed."""
    first = history_start()
    return _deal_days(
        rng,
        reps,
        workdays(first, CLOSE_HORIZON),
        lambda w: (
            max(first, w.hire_date + timedelta(days=NEW_REP_RAMP_DAYS)),
            min(w.termination_date or CLOSE_HORIZON, CLOSE_HORIZON),
        ),
    )


def _created_days(rng: np.random.Generator, reps: list[Worker]) -> tuple[np.ndarray, np.ndarray]:
    """(rep index, created day) for every deal, from DEAL_LEAD_IN_DAYS before the
    period (or NEW_REP_FIRST_DEAL_DAYS after hire) to PERIOD_END (or
    LEAVER_WIND_DOWN_DAYS before the rep leaves)."""
    days = workdays(history_start() - timedelta(days=DEAL_LEAD_IN_DAYS), PERIOD_END)

    def span(w: Worker):
        last = PERIOD_END
        if w.termination_date:
            last = min(last, w.termination_date - timedelta(days=LEAVER_WIND_DOWN_DAYS))
        return max(days[0].item(), w.hire_date + timedelta(days=NEW_REP_FIRST_DEAL_DAYS)), last

    return _deal_days(rng, reps, days, span)


def _account_names(n: int) -> list[str]:
    combos = [f"{a} {k}" for k in ACCOUNT_KINDS for a in ACCOUNT_WORDS]
    return [combos[i % len(combos)] + (f" {i // len(combos) + 1}" if i >= len(combos) else "") for i in range(n)]


def _time_of_day(rng, n: int, lo_h: int, hi_h: int) -> np.ndarray:
    return rng.integers(lo_h * 3600, hi_h * 3600, n).astype("timedelta64[s]")


def draw_opportunities(rng: np.random.Generator, reps: list[Worker], owner_id: dict[int, str],
                       completion: dict[int, datetime], *, by_start: bool = False,
                       dip: DipWindows | None = None, open_at_end: bool = True,
                       ramp: Ramp | None = None, path: EffectPath | None = None) -> dict[str, np.ndarray]:
    """Every deal with its final values, one array per field.

    by_start: CreatedDate is drawn first and the sales cycle (baseline + trend
    + program effect + dip + noise, all by CreatedDate) fixes CloseDate.
    Otherwise CloseDate is drawn first, the effect applies by CloseDate, and
    the cycle fixes CreatedDate (the dip then applies by the CreatedDate the
    deal would have had without it). dip: the Ashenfelter dip windows of the
    reps. open_at_end False: deals not closed by PERIOD_END are not exported
    ("keep" is False); deals closing before the first extract month never are. ramp:
    new reps' ramp (common.Ramp over reps), thinning the deals they create
    (close first: the thinned deals are drawn, then not exported).
    """
    completed = np.array([np.datetime64(completion[w.idx], "s") if w.idx in completion else NP_FAR_FUTURE
                          for w in reps])
    mean, sd, noise_sd, floor = KPI_MODEL["sales_cycle_days"]
    effect_size = PLANTED[("PRG-SAL", "sales_cycle_days")]
    cut = None
    if by_start:
        rep, created_day = _created_days(rng, reps)
        if ramp is not None:
            kept = ramp.kept(created_day, rep)
            rep, created_day = rep[kept], created_day[kept]
        n = len(rep)
        created = created_day.astype("datetime64[s]") + _time_of_day(rng, n, 8, 18)
        base = rng.normal(mean, sd, len(reps))[rep]
        # The program's effect as the profile's world bends it (effects.EffectPath), else unchanged.
        effect = path.added(created, rep) if path is not None else np.where(created >= completed[rep], effect_size, 0.0)
        if dip is not None:
            effect = effect + dip.added(created, rep)
        raw = base + SECULAR_TREND["sales_cycle_days"] * trend_months(created) + effect + rng.normal(0, noise_sd, n)
        cycle = np.round(np.maximum(raw, floor)).astype(np.int64)
        close = created_day + cycle.astype("timedelta64[D]")
        # A leaver's deal still open on their last day is closed, lost, that day.
        last_day = np.array([np.datetime64(w.termination_date or date(2999, 12, 31), "D") for w in reps])[rep]
        cut = close > last_day
        close = np.where(cut, last_day, close)
        cycle = (close - created_day).astype(np.int64)
        closed_mod = close.astype("datetime64[s]") + _time_of_day(rng, n, 17, 24)  # end of the close day
    else:
        rep, close = _close_days(rng, reps)
        n = len(rep)
        after = close.astype("datetime64[s]") >= completed[rep]
        base = rng.normal(mean, sd, len(reps))[rep]
        effect = np.where(after, effect_size, 0.0)
        cycle = base + SECULAR_TREND["sales_cycle_days"] * trend_months(close) + effect + rng.normal(0, noise_sd, n)
        if dip is not None:
            undipped = close - np.round(np.maximum(cycle, floor)).astype(np.int64).astype("timedelta64[D]")
            cycle = cycle + dip.added(undipped, rep)
        cycle = np.round(np.maximum(cycle, floor)).astype(np.int64)

        created_day = close - cycle.astype("timedelta64[D]")
        created = created_day.astype("datetime64[s]") + _time_of_day(rng, n, 8, 18)
        closed_mod = close.astype("datetime64[s]") + _time_of_day(rng, n, 17, 24)  # end of the close day
    deleted_mod = closed_mod + rng.integers(86400, 20 * 86400, n).astype("timedelta64[s]")
    deleted = (rng.random(n) < N_DELETED_OPPORTUNITY_SHARE) & (deleted_mod <= NP_PERIOD_END_TS)
    n_accounts = max(50, 2 * len(reps))
    keep = close >= np_history_start()
    if ramp is not None and not by_start:
        keep &= ramp.kept(created_day, rep)
    if not open_at_end:
        keep &= closed_mod <= NP_PERIOD_END_TS

    # Ids follow creation order, as Salesforce hands them out.
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), created))] = np.arange(1, n + 1)
    opps = {
        "Id": sf_ids("006", rank),
        "account": rng.integers(0, n_accounts, n),
        "account_name": np.array(_account_names(n_accounts)),
        "account_id": sf_ids("001", np.arange(1, n_accounts + 1)),
        "product": rng.integers(0, len(PRODUCTS), n),
        "owner_id": np.array([owner_id[w.idx] for w in reps]),
        "rep": rep,
        "Amount": np.round(np.exp(rng.normal(np.log(20000), 0.8, n)), 2),
        "won": rng.random(n) < WIN_RATE,
        "created": created,
        "created_day": created_day,
        "close_day": close,
        "closed_mod": closed_mod,
        "deleted": deleted & keep,
        "deleted_mod": deleted_mod,
        "cycle": cycle,
        "keep": keep,
    }
    if cut is not None:
        opps["won"] &= ~cut
    if path is not None and by_start:
        opps["truth"] = truths(path, created, rep, raw, floor, catalogue_cap("sales_cycle_days"))
    return opps


# --------------------------------------------------------------------------
# Versions and monthly files
# --------------------------------------------------------------------------
OPEN, CLOSED, DELETED = 0, 1, 2


def _versions(o: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(deal index, kind, LastModifiedDate) of every row to write.

    OPEN in the month created (only for deals created in the period), CLOSED
    in the month closed, DELETED as a later row with IsDeleted=true. Deals
    with keep False are not written.
    """
    start = np_history_start().astype("datetime64[s]")
    keep = o["keep"]
    versions = [
        (OPEN, keep & (o["created"] >= start) & (o["created"] <= NP_PERIOD_END_TS), o["created"]),
        (CLOSED, keep & (o["closed_mod"] <= NP_PERIOD_END_TS), o["closed_mod"]),
        (DELETED, keep & o["deleted"], o["deleted_mod"]),
    ]
    index = np.concatenate([np.flatnonzero(mask) for _, mask, _ in versions])
    kind = np.concatenate([np.full(mask.sum(), k, np.int8) for k, mask, _ in versions])
    modified = np.concatenate([ts[mask] for _, mask, ts in versions])
    return index, kind, modified


def _format(o: dict[str, np.ndarray], i: np.ndarray, kind: np.ndarray, modified: np.ndarray) -> dict[str, list[str]]:
    is_open = kind == OPEN
    won = o["won"][i]
    expected_close = o["created_day"][i] + np.timedelta64(EXPECTED_CLOSE_DAYS, "D")
    cols = {
        "Id": o["Id"][i],
        "Name": np.char.add(np.char.add(o["account_name"][o["account"][i]], " - "), PRODUCTS[o["product"][i]]),
        "AccountId": o["account_id"][o["account"][i]],
        "OwnerId": o["owner_id"][o["rep"][i]],
        "StageName": np.where(is_open, "Prospecting", np.where(won, "Closed Won", "Closed Lost")),
        "Amount": np.char.mod("%.2f", o["Amount"][i]),
        "CurrencyIsoCode": np.full(len(i), "USD"),
        "Probability": np.where(is_open, "10", np.where(won, "100", "0")),
        "CreatedDate": np_iso_ts(o["created"][i]),
        "CloseDate": np_iso_date(np.where(is_open, expected_close, o["close_day"][i])),
        "IsClosed": np_bool(~is_open),
        "IsWon": np_bool(~is_open & won),
        "IsDeleted": np_bool(kind == DELETED),
        "LastModifiedDate": np_iso_ts(modified),
    }
    return {c: a.tolist() for c, a in cols.items()}


def latest_counts(o: dict[str, np.ndarray]) -> dict[str, int]:
    """Counts over each exported deal's LATEST version (greatest LastModifiedDate)."""
    index, kind, modified = _versions(o)
    order = np.lexsort((modified, index))
    index, kind = index[order], kind[order]
    last = np.flatnonzero(np.r_[index[1:] != index[:-1], True])
    return {"exported": int(len(last)), "open_at_end": int((kind[last] == OPEN).sum()),
            "deleted": int((kind[last] == DELETED).sum())}


def monthly_tables(o: dict[str, np.ndarray], n_months: int) -> Iterator[dict[str, list[str]]]:
    """Opportunity rows per extract month, sorted by (LastModifiedDate, Id)."""
    index, kind, modified = _versions(o)
    month = np_month_index(modified)
    order = np.lexsort((o["Id"][index], modified, month))
    index, kind, modified, month = index[order], kind[order], modified[order], month[order]
    bounds = np.searchsorted(month, np.arange(n_months + 1))
    for m in range(n_months):
        sl = slice(bounds[m], bounds[m + 1])
        yield _format(o, index[sl], kind[sl], modified[sl])
