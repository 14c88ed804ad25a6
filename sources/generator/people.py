"""Workers: the HRIS population, its org chart and its history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .common import fmt_number, history_start, month_end, random_day
from .constants import (
    COMPANY_DOMAIN,
    FAMILY_SIZES,
    HIGH_TURNOVER_FACTOR,
    HIGH_TURNOVER_FAMILY,
    NEW_STARTER_BASE_SHARE,
    NEW_STARTER_LAST_HIRE,
    PERIOD_END,
    PERIOD_START,
)

FIRST_NAMES = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Paul", "Ashley", "Steven", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Ryan", "Sharon", "Jacob", "Laura", "Gary", "Cynthia", "Nicholas", "Amy", "Eric", "Kathleen", "Jonathan", "Angela", "Priya", "Wei", "Aoife", "Siobhan", "Carlos", "Lucia", "Mateo", "Sofia", "Kenji", "Yuki", "Olga", "Ivan", "Fatima", "Omar", "Ana", "Jose", "Maria", "Noel", "Grace", "Liam"]
LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Murphy", "Kelly", "Byrne", "Walsh", "Santos", "Reyes", "Cruz", "Bautista", "Tanaka", "Sato", "Chen", "Wang", "Patel", "Singh", "Kumar", "Ivanova", "Novak", "Fischer", "Weber", "Rossi", "Costa", "Silva", "Okafor", "Mensah"]


@dataclass(frozen=True)
class Family:
    code: str
    ic_level_weights: tuple[float, float, float, float]  # L1..L4 for individual contributors
    ic_profiles: tuple[str, str, str, str]
    manager_profile: str
    manager_level: str
    director_profile: str
    base_pay: tuple[int, int, int, int]  # annual, full time, by level L1..L4
    sites: tuple[tuple[str, str, float], ...]  # (location, country, weight)


FAMILIES = {
    "Customer Support": Family(
        "SUP", (0.55, 0.40, 0.05, 0.0),
        ("Support Agent I", "Support Agent II", "Senior Support Agent", "Principal Support Specialist"),
        "Support Team Lead", "L3", "Director, Customer Support", (42000, 50000, 62000, 80000),
        (("Austin", "United States", 0.5), ("Manila", "Philippines", 0.3), ("Dublin", "Ireland", 0.2)),
    ),
    "Sales": Family(
        "SAL", (0.35, 0.40, 0.25, 0.0),
        ("Account Executive I", "Account Executive II", "Senior Account Executive", "Principal Account Executive"),
        "Sales Manager", "L4", "VP Sales", (58000, 72000, 92000, 120000),
        (("New York", "United States", 0.5), ("London", "United Kingdom", 0.3), ("Austin", "United States", 0.2)),
    ),
    "Engineering": Family(
        "ENG", (0.25, 0.35, 0.30, 0.10),
        ("Software Engineer I", "Software Engineer II", "Senior Software Engineer", "Staff Software Engineer"),
        "Engineering Manager", "L4", "VP Engineering", (88000, 112000, 142000, 175000),
        (("Austin", "United States", 0.6), ("Dublin", "Ireland", 0.4)),
    ),
    "Operations": Family(
        "OPS", (0.40, 0.40, 0.20, 0.0),
        ("Operations Analyst I", "Operations Analyst II", "Senior Operations Analyst", "Operations Lead"),
        "Operations Manager", "L3", "Chief Operating Officer", (50000, 62000, 78000, 100000),
        (("Austin", "United States", 1.0),),
    ),
}
LEVELS = ("L1", "L2", "L3", "L4")
TEAM_SIZE = 13  # a manager per ~12 individual contributors
NEW_STARTER_SHARE = NEW_STARTER_BASE_SHARE  # of individual contributors, hired during the period
# Of new starters, leave 1-11 months after hire (without the onboarding option;
# with it, new starters leave at a constant hazard, see onboarding.py).
NEW_STARTER_EARLY_EXIT = 0.35
TENURED_EXIT = 0.06  # of other individual contributors, leave during the period
PROMOTION_SHARE = 0.05


@dataclass
class Promotion:
    effective: date  # first day of a month: visible from that month's snapshot on
    level: str
    profile: str
    pay: float


@dataclass
class JobMove:
    """A move to another team of the same job family (profile option job_move_share)."""

    effective: date  # first day of a month: visible from that month's snapshot on
    team: int
    org: str
    manager_id: str
    cost_center: str
    location: str
    country: str


@dataclass
class Worker:
    idx: int
    employee_id: str
    first: str
    last: str
    email: str
    family: str
    role: str  # ceo | director | manager | ic
    team: int
    level: str
    profile: str
    org: str
    manager_id: str
    location: str
    country: str
    cost_center: str
    fte: float
    pay: float
    hire_date: date
    termination_date: date | None = None
    promotion: Promotion | None = None
    move: JobMove | None = None
    # A leaver who disappears from HRIS after their last day without a
    # Termination_Date ever being shown (profile option vanishing_leaver_share).
    vanishes: bool = False
    # A ramping new starter (profile option onboarding): days from hire until
    # they work at the tenured rate; 0 = no ramp.
    ramp_days: float = 0.0
    ramp_head_start: float = 0.0  # days ahead on the ramp curve from hire (PRG-ONB completers)

    @property
    def new_starter(self) -> bool:
        """An individual contributor hired during the period."""
        return self.role == "ic" and self.hire_date >= PERIOD_START

    @property
    def legal_name(self) -> str:
        return f"{self.first} {self.last}"

    def employed_on(self, d: date) -> bool:
        return self.hire_date <= d and (self.termination_date is None or d <= self.termination_date)

    def employed_throughout(self, lo: date, hi: date) -> bool:
        return self.employed_on(lo) and self.employed_on(hi)

    def job_on(self, d: date) -> tuple[str, str, float]:
        """(level, profile, pay) as HRIS shows them on d."""
        if self.promotion and d >= self.promotion.effective:
            return self.promotion.level, self.promotion.profile, self.promotion.pay
        return self.level, self.profile, self.pay

    def team_on(self, d: date) -> tuple[str, str, str, str, str]:
        """(organisation, manager id, cost centre, location, country) as HRIS shows them on d."""
        m = self.move
        if m and d >= m.effective:
            return m.org, m.manager_id, m.cost_center, m.location, m.country
        return self.org, self.manager_id, self.cost_center, self.location, self.country

    def in_snapshot(self, d: date) -> bool:
        """Hired by d, and not gone before d's month (leavers show once, with
        the date); a vanishing leaver shows until their last day, undated."""
        if self.hire_date > d:
            return False
        if self.termination_date is None:
            return True
        if self.vanishes:
            return d <= self.termination_date
        return self.termination_date >= d.replace(day=1)

    def shown_termination(self, d: date) -> date | None:
        """Termination_Date in the snapshot of d: never for a vanishing leaver."""
        t = self.termination_date
        return t if t and t <= d and not self.vanishes else None


# --------------------------------------------------------------------------
# Building the population
# --------------------------------------------------------------------------
def _org_slots(factor: int) -> list[tuple[str, str, int]]:
    """(family, role, team) for every position, CEO first, then family by family."""
    slots = [("Operations", "ceo", 0)]
    for family, size in FAMILY_SIZES.items():
        n = size * factor
        n_teams = max(1, round(n / TEAM_SIZE))
        slots.append((family, "director", 0))
        slots += [(family, "manager", t) for t in range(1, n_teams + 1)]
        n_ic = n - 1 - n_teams - (family == "Operations")  # the CEO counts in Operations
        slots += [(family, "ic", 1 + i % n_teams) for i in range(n_ic)]
    return slots


def _unique_emails(firsts: list[str], lasts: list[str]) -> list[str]:
    """first.last@domain, with 2, 3, ... appended when a name repeats."""
    seen: dict[str, int] = {}
    out = []
    for first, last in zip(firsts, lasts):
        base = f"{first}.{last}".lower()
        seen[base] = seen.get(base, 0) + 1
        suffix = "" if seen[base] == 1 else str(seen[base])
        out.append(f"{base}{suffix}@{COMPANY_DOMAIN}")
    return out


def _team_sites(rng: np.random.Generator, slots) -> dict[tuple[str, int], tuple[str, str]]:
    """Each team sits in one location; directors and the CEO sit in Austin."""
    sites = {}
    for family, role, team in slots:
        if role == "manager":
            options = FAMILIES[family].sites
            weights = np.array([w for _, _, w in options])
            loc, country, _ = options[rng.choice(len(options), p=weights / weights.sum())]
            sites[(family, team)] = (loc, country)
    return sites


def new_starter_shares(share: float = NEW_STARTER_SHARE, high_turnover_support: bool = False) -> dict[str, float]:
    """Family -> share of its individual contributors hired during the period
    (profile options new_starter_share and high_turnover_support)."""
    def factor(family: str) -> float:
        return HIGH_TURNOVER_FACTOR if high_turnover_support and family == HIGH_TURNOVER_FAMILY else 1.0
    return {family: min(1.0, share * factor(family)) for family in FAMILY_SIZES}


def _hire_and_exit(rng: np.random.Generator, role: str) -> tuple[date, date | None, float]:
    """(hire, exit, u): an IC is a new starter at any share above u, and is
    drawn here as one when u < NEW_STARTER_SHARE (the draws of the base world)."""
    if role != "ic":  # leaders are long-tenured and stay, so manager ids stay valid
        return random_day(rng, date(2012, 1, 1), date(2021, 12, 31)), None, 1.0
    u = float(rng.random())
    return (*(_new_starter_hire(rng) if u < NEW_STARTER_SHARE else _tenured_hire(rng)), u)


def _new_starter_hire(rng: np.random.Generator) -> tuple[date, date | None]:
    hire = random_day(rng, PERIOD_START, NEW_STARTER_LAST_HIRE)
    exit_ = None
    if rng.random() < NEW_STARTER_EARLY_EXIT:
        exit_ = hire + timedelta(days=int(rng.integers(30, 331)))
        exit_ = exit_ if exit_ <= PERIOD_END else None
    return hire, exit_


def _tenured_hire(rng: np.random.Generator) -> tuple[date, date | None]:
    hire = random_day(rng, date(2013, 1, 1), date(2024, 12, 31))
    exit_ = random_day(rng, PERIOD_START, PERIOD_END) if rng.random() < TENURED_EXIT else None
    return hire, exit_


def _pay(family: str, level: str, factor: float, fte: float, bump: float = 1.0) -> float:
    """Annual base pay actually paid (pro-rated by FTE), rounded to 100."""
    base = FAMILIES[family].base_pay[LEVELS.index(level)]
    return round(base * factor * bump * fte, -2)


def build_workers(rng: np.random.Generator, factor: int, shares: Mapping[str, float] | None = None,
                  hire_rng: np.random.Generator | None = None) -> list[Worker]:
    """The population. shares (new_starter_shares()) says which share of each
    family's individual contributors was hired during the period; an IC whose
    status differs from the base world's (NEW_STARTER_SHARE everywhere) draws
    their hire, exit and promotion again from hire_rng, so that rng's draws,
    and so everybody else, stay as in the base world."""
    shares = shares or new_starter_shares()
    slots = _org_slots(factor)
    n = len(slots)
    firsts = [FIRST_NAMES[i] for i in rng.integers(0, len(FIRST_NAMES), n)]
    lasts = [LAST_NAMES[i] for i in rng.integers(0, len(LAST_NAMES), n)]
    emails = _unique_emails(firsts, lasts)
    sites = _team_sites(rng, slots)
    ids = [f"E{10001 + i}" for i in range(n)]

    ceo_id = ids[0]
    director_id = {fam: ids[i] for i, (fam, role, _) in enumerate(slots) if role == "director"}
    manager_id = {(fam, t): ids[i] for i, (fam, role, t) in enumerate(slots) if role == "manager"}

    workers = []
    for i, (family, role, team) in enumerate(slots):
        fam = FAMILIES[family]
        if role == "ceo":
            level, profile, org, boss = "L4", "Chief Executive Officer", "Executive Office", ""
            loc, country, cc = "Austin", "United States", "CC-EXE-00"
        elif role == "director":
            level, profile, org, boss = "L4", fam.director_profile, family, ceo_id
            loc, country, cc = "Austin", "United States", f"CC-{fam.code}-00"
        else:
            loc, country = sites[(family, team)]
            org, cc = f"{family} - Team {team:02d}", f"CC-{fam.code}-{team:02d}"
            if role == "manager":
                level, profile, boss = fam.manager_level, fam.manager_profile, director_id[family]
            else:
                level = LEVELS[rng.choice(4, p=fam.ic_level_weights)]
                profile, boss = fam.ic_profiles[LEVELS.index(level)], manager_id[(family, team)]

        fte = 1.0 if role != "ic" else float(rng.choice([1.0, 0.8, 0.5], p=[0.88, 0.07, 0.05]))
        personal = float(np.exp(rng.normal(0, 0.07)))  # pay varies around the band
        if role == "ceo":
            pay = round(320000 * personal, -2)
        else:
            bump = {"director": 1.5, "manager": 1.15}.get(role, 1.0)
            pay = _pay(family, level, personal, fte, bump)
        hire, exit_, u = _hire_and_exit(rng, role)

        w = Worker(
            idx=i, employee_id=ids[i], first=firsts[i], last=lasts[i], email=emails[i],
            family=family, role=role, team=team, level=level, profile=profile, org=org,
            manager_id=boss, location=loc, country=country, cost_center=cc, fte=fte, pay=pay,
            hire_date=hire, termination_date=exit_,
        )
        if role == "ic" and exit_ is None and level != "L4" and rng.random() < PROMOTION_SHARE:
            w.promotion = _promotion(rng, w, personal)
        if (u < NEW_STARTER_SHARE) != (u < shares[family]):
            if hire_rng is None:
                raise ValueError("build_workers: a new-starter share other than the base one needs hire_rng")
            new = u < shares[family]
            w.hire_date, w.termination_date = (_new_starter_hire if new else _tenured_hire)(hire_rng)
            w.promotion = None
            if w.termination_date is None and level != "L4" and hire_rng.random() < PROMOTION_SHARE:
                w.promotion = _promotion(hire_rng, w, personal)
        workers.append(w)
    return workers


def _promotion(rng: np.random.Generator, w: Worker, personal: float) -> Promotion | None:
    """One level up, with the new band's pay plus a small raise."""
    earliest = max(date(2025, 2, 1), w.hire_date + timedelta(days=180))
    months = [date(y, m, 1) for y in (2025, 2026) for m in range(1, 13)
              if earliest <= date(y, m, 1) <= PERIOD_END]
    if not months:
        return None
    effective = months[int(rng.integers(0, len(months)))]
    level = LEVELS[LEVELS.index(w.level) + 1]
    profile = FAMILIES[w.family].ic_profiles[LEVELS.index(level)]
    return Promotion(effective, level, profile, _pay(w.family, level, personal, w.fte, 1.03))


# --------------------------------------------------------------------------
# Realistic-profile mess: job moves, vanishing leavers
# --------------------------------------------------------------------------
def plan_job_moves(rng: np.random.Generator, workers: list[Worker], share: float) -> int:
    """round(share x individual contributors) ICs move to another team of their
    family on the first of a month, preferring a team at the same site.

    A mover is in the snapshot before the move and in the move month's one,
    so the change is visible in HRIS. Returns the number of moves.
    """
    ics = [w for w in workers if w.role == "ic"]
    n = round(share * len(ics))
    if n == 0:
        return 0
    managers = {(w.family, w.team): w for w in workers if w.role == "manager"}
    months = [date(y, m, 1) for y in (2025, 2026) for m in range(1, 13)
              if date(2025, 2, 1) <= date(y, m, 1) <= PERIOD_END]

    def options(w: Worker) -> list[date]:
        return [m for m in months if w.hire_date + timedelta(days=90) <= m
                and (w.termination_date is None or w.termination_date >= month_end(m))]

    eligible = [w for w in ics if options(w) and len({t for f, t in managers if f == w.family}) > 1]
    for i in sorted(int(i) for i in rng.choice(len(eligible), min(n, len(eligible)), replace=False)):
        w = eligible[i]
        choices = options(w)
        effective = choices[int(rng.integers(len(choices)))]
        others = [m for (f, t), m in sorted(managers.items()) if f == w.family and t != w.team]
        same_site = [m for m in others if m.location == w.location]
        pool = same_site or others
        boss = pool[int(rng.integers(len(pool)))]
        w.move = JobMove(effective, boss.team, boss.org, boss.employee_id, boss.cost_center,
                         boss.location, boss.country)
    return min(n, len(eligible))


def plan_vanishing_leavers(rng: np.random.Generator, workers: list[Worker], share: float) -> list[str]:
    """round(share x leavers) leavers vanish from HRIS instead of showing a
    Termination_Date. Only leavers seen in some snapshot (still there on the
    first month end, and on the month end after their hire) and gone before the
    last one can vanish: they are in HRIS first, then missing. Returns their
    employee ids."""
    leavers = [w for w in workers if w.termination_date is not None]
    first_snapshot = month_end(history_start())
    eligible = [w for w in leavers
                if first_snapshot <= w.termination_date < PERIOD_END and month_end(w.hire_date) <= w.termination_date]
    n = min(round(share * len(leavers)), len(eligible))
    for i in rng.choice(len(eligible), n, replace=False):
        eligible[int(i)].vanishes = True
    return sorted(w.employee_id for w in eligible if w.vanishes)


# --------------------------------------------------------------------------
# Snapshot rows
# --------------------------------------------------------------------------
def hris_rows(workers: list[Worker], d: date) -> list[dict[str, str]]:
    """The hris/workers snapshot as of d, in Employee_ID order."""
    rows = []
    for w in workers:  # already in Employee_ID order
        if not w.in_snapshot(d):
            continue
        level, profile, pay = w.job_on(d)
        org, manager_id, cost_center, location, country = w.team_on(d)
        term = w.shown_termination(d)
        rows.append({
            "Employee_ID": w.employee_id,
            "Work_Email": w.email,
            "Legal_Name": w.legal_name,
            "Hire_Date": w.hire_date.isoformat(),
            "Termination_Date": term.isoformat() if term else "",
            "Job_Profile": profile,
            "Job_Family": w.family,
            "Job_Level": level,
            "Supervisory_Organization": org,
            "Manager_Employee_ID": manager_id,
            "Location": location,
            "Country": country,
            "Cost_Center": cost_center,
            "Worker_Type": "Employee",
            "FTE": f"{w.fte:.1f}",
            "Annual_Base_Pay": fmt_number(pay),
            "Currency": "USD",
        })
    return rows
