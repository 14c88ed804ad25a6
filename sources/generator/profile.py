"""Profiles: which kinds of real-extract mess the generator plants.

Every kind of mess is one option of a frozen ``Profile``. ``PROFILES`` holds
the two named ones: ``clean`` (every option off) and ``realistic`` (every
option on, the default of ``generate``). A caller switches single options
with keyword overrides::

    generate(out, profile="realistic", dip=None)
    generate(out, resolved_before_response_share=0.05)
    generate(out, dip=Dip(weeks_before=(12, 0), size={"ticket_resolution_hours": 4.0}))

The identity and file mess (contractors, duplicates, malformed lines, ...)
and promotions are planted in every profile: the pipeline has to cope with
them whatever the profile. Besides the mess, the realistic profile has more
new starters, an onboarding program that works and a retention program that
does not (new_starter_share, high_turnover_support, onboarding,
retention_program).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .constants import DIP_PROGRAMS, NEW_STARTER_BASE_SHARE


def _frozen_size(size: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({str(k): float(v) for k, v in sorted(dict(size).items())})


@dataclass(frozen=True)
class Dip:
    """The Ashenfelter dip: managers nominate people after a bad spell.

    Every participant (completers and dropouts) of a program whose managers
    nominate (DIP_PROGRAMS: PRG-SUP for ticket_resolution_hours, PRG-SAL for
    sales_cycle_days) has a worse KPI on work BEGUN (incident opened_at, deal
    CreatedDate) in [first registration - weeks_before[0] weeks, first
    registration - weeks_before[1] weeks). ``size`` is per KPI, in KPI units,
    added in the worse direction (both KPIs are better when lower, so it is
    added to the duration); a KPI missing from ``size`` has no dip.
    """

    weeks_before: tuple[int, int] = (4, 0)
    size: Mapping[str, float] = field(default_factory=lambda: {"ticket_resolution_hours": 4.0,
                                                               "sales_cycle_days": 6.0})

    def __post_init__(self):
        wb = tuple(self.weeks_before)
        if len(wb) != 2 or not all(isinstance(w, (int, float)) for w in wb):
            raise ValueError(f"Dip.weeks_before must be (start, end) in weeks, not {self.weeks_before!r}")
        if not wb[0] > wb[1]:
            raise ValueError(f"Dip.weeks_before = (start, end) needs start > end (weeks before the first "
                             f"registration), not {self.weeks_before!r}")
        if not isinstance(self.size, Mapping):
            raise ValueError(f"Dip.size must be a mapping KPI -> size, not {self.size!r}")
        unknown = sorted(set(self.size) - set(DIP_PROGRAMS))
        if unknown:
            raise ValueError(f"Dip.size: no dip is modelled for {unknown}; KPIs with a dip: {sorted(DIP_PROGRAMS)}")
        object.__setattr__(self, "weeks_before", wb)
        object.__setattr__(self, "size", _frozen_size(self.size))

    def __hash__(self) -> int:
        return hash((self.weeks_before, tuple(self.size.items())))

    def to_dict(self) -> dict:
        return {"weeks_before": list(self.weeks_before), "size": dict(self.size)}


@dataclass(frozen=True)
class Profile:
    """Which mess to plant. Field docs say what each option does when on."""

    name: str
    # Share of the incidents resolved within the period whose first response
    # is logged only after the resolution (resolved_at + 5 min .. 4 h); the
    # resolution time itself stays the true one.
    resolved_before_response_share: float = 0.0
    # Program effects apply to work BEGUN after completion: incidents by
    # opened_at, deals by CreatedDate (deals are drawn creation first). Off:
    # deals are drawn close first and the effect applies by CloseDate.
    effect_by_start: bool = False
    # Work not finished by PERIOD_END is exported open (incidents New / In
    # Progress, deals in an open stage). Off: such work is not exported at all,
    # so every exported record ends resolved / closed.
    open_work_at_end: bool = False
    # At least max(OVERLAP_MIN_WORKERS, OVERLAP_MIN_SHARE of support ICs) PRG-SUP
    # completers also complete PRG-MND, first registered within
    # +-OVERLAP_REGISTRATION_DAYS of their PRG-SUP one. Off: PRG-MND is drawn
    # independently of PRG-SUP (overlap by chance only).
    two_programs_same_kpi: bool = False
    # Share of individual contributors who move to another team of their job
    # family (organisation, manager, cost centre), from the first of a month.
    job_move_share: float = 0.0
    # Share of leavers who just disappear from HRIS after their last day,
    # never showing a Termination_Date.
    vanishing_leaver_share: float = 0.0
    # The Ashenfelter dip before nomination, or None.
    dip: Dip | None = None
    # Share of individual contributors hired during the period (uniformly from
    # PERIOD_START to NEW_STARTER_LAST_HIRE); the others were hired 2013-2024.
    # Not an on/off option: the clean profile keeps NEW_STARTER_BASE_SHARE.
    new_starter_share: float = NEW_STARTER_BASE_SHARE
    # Customer Support is a high-turnover function: its individual contributors
    # are hired during the period at HIGH_TURNOVER_FACTOR x new_starter_share
    # (capped at 1). Off: every family at new_starter_share.
    high_turnover_support: bool = False
    # PRG-ONB "New Starter Onboarding" (launched ONBOARDING_LAUNCH): Customer
    # Support and Sales new starters hired since the launch take it (~70 %,
    # registering in their first week, completing 10-30 days after hire, ~10 %
    # drop out). Their work ramps up from 20 % of the tenured rate at hire to all
    # of it after a personal ramp (45 +- 6 days; completers 15 days faster), and
    # every new starter leaves at a constant hazard (40 % within 12 months), a
    # completer at ONBOARDING_ATTRITION_HR of it from completion on. Off: no
    # PRG-ONB, no ramp, new starters leave as NEW_STARTER_EARLY_EXIT says.
    onboarding: bool = False
    # PRG-RET "Stay Conversations": ~40 % of Customer Support and Sales new
    # starters still employed 60-120 days after hire take it; it has no effect
    # on anything. Off: no PRG-RET.
    retention_program: bool = False
    # The hard worlds (sources/generator/effects.py; all off in both named profiles,
    # WORLDS names one each). heavy_tails: resolution hours lognormal around the
    # person's level, a few tickets stuck for weeks (HEAVY_TAIL_SIGMA,
    # STUCK_TICKET_SHARE). effect_half_life_weeks: PRG-SUP's and PRG-SAL's effects
    # halve every so many weeks after completion (0: they last). effect_growth: the
    # effect is larger for later completers, by that share per month of completion
    # date. teammate_spillover: untrained teammates of a completer (the same manager)
    # learn that share of the effect from their team's first completion on.
    # trend_selection: the people sent were already improving, by that share of the
    # effect per month, before and after their first registration alike.
    heavy_tails: bool = False
    effect_half_life_weeks: float = 0.0
    effect_growth: float = 0.0
    teammate_spillover: float = 0.0
    trend_selection: float = 0.0

    @property
    def hard_world(self) -> bool:
        """Whether the effects are bent (effects.EffectPath) rather than planted unchanged."""
        return bool(self.heavy_tails or self.effect_half_life_weeks or self.effect_growth
                    or self.teammate_spillover or self.trend_selection)

    def __post_init__(self):
        for name in ("resolved_before_response_share", "job_move_share", "vanishing_leaver_share",
                     "new_starter_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"option {name} must be a share between 0 and 1, not {value!r}")
            object.__setattr__(self, name, float(value))
        for name in ("effect_half_life_weeks", "effect_growth", "teammate_spillover", "trend_selection"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"option {name} must be a number >= 0, not {value!r}")
            object.__setattr__(self, name, float(value))
        for name in ("effect_by_start", "open_work_at_end", "two_programs_same_kpi", "high_turnover_support",
                     "onboarding", "retention_program", "heavy_tails"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"option {name} must be True or False, not {getattr(self, name)!r}")
        if isinstance(self.dip, Mapping):
            object.__setattr__(self, "dip", Dip(**self.dip))
        if self.dip is not None and not isinstance(self.dip, Dip):
            raise ValueError(f"option dip must be a Dip or None, not {self.dip!r}")
        if self.hard_world and not self.effect_by_start:
            raise ValueError("the hard-world options bend effects on work by its start: they need effect_by_start")

    @classmethod
    def option_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if f.name != "name"]

    def options(self) -> dict:
        """The options as plain, JSON-ready values (the summary's "options")."""
        out = {name: getattr(self, name) for name in self.option_names()}
        out["dip"] = self.dip.to_dict() if self.dip else None
        return out

    def with_options(self, **overrides) -> Profile:
        """This profile with some options switched; unknown names raise TypeError."""
        unknown = sorted(set(overrides) - set(self.option_names()))
        if unknown:
            raise TypeError(f"unknown generator option(s) {unknown}; the options are {self.option_names()}")
        return dataclasses.replace(self, **overrides) if overrides else self


PROFILES = {
    "clean": Profile("clean"),
    "realistic": Profile(
        "realistic",
        resolved_before_response_share=0.0025,
        effect_by_start=True,
        open_work_at_end=True,
        two_programs_same_kpi=True,
        job_move_share=0.08,
        vanishing_leaver_share=0.3,
        dip=Dip(weeks_before=(4, 0), size={"ticket_resolution_hours": 4.0, "sales_cycle_days": 6.0}),
        new_starter_share=0.30,
        # Off by default: doubling support's hiring leaves the small sample too few tenured
        # agents employed through both windows for the support programs' comparisons.
        high_turnover_support=False,
        onboarding=True,
        retention_program=True,
    ),
}
DEFAULT_PROFILE = "realistic"

# The worlds real companies produce, each one option of the realistic profile
# (benchmarks/calibrate.py sweeps them; docs/method.md has the table).
WORLDS = {
    "realistic": {},
    "heavy_tails": {"heavy_tails": True},
    "fading": {"effect_half_life_weeks": 8.0},
    "spillover": {"teammate_spillover": 0.25},
    "trend_selection": {"trend_selection": 0.04},
    "growing": {"effect_growth": 0.05},
    # A 12-week dip before nomination reaching 6 weeks into the pre window: the pre-trend
    # tests must catch what the anticipation gap cannot hold.
    "deep_dip": {"dip": {"weeks_before": (12, 0), "size": {"ticket_resolution_hours": 4.0, "sales_cycle_days": 6.0}}},
}


def resolve_profile(profile: str | Profile, overrides: dict) -> Profile:
    """The profile to generate with: a named (or given) profile plus overrides."""
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {sorted(PROFILES)}, not {profile!r}")
        profile = PROFILES[profile]
    elif not isinstance(profile, Profile):
        raise TypeError(f"profile must be a profile name {sorted(PROFILES)} or a Profile, not {profile!r}")
    return profile.with_options(**overrides)
