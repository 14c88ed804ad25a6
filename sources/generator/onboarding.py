"""New starters: the onboarding program (PRG-ONB) with their ramp and
attrition, and the retention program with no effect (PRG-RET).

Both programs are planned here, person by person, before the LMS records are
drawn (training.plan_training turns each ProgramPlan into registrations):

- plan_onboarding (profile option onboarding) decides who takes PRG-ONB and
  when, each new starter's ramp, and when each new starter leaves: a
  constant hazard NEW_STARTER_HAZARD from hire, times ONBOARDING_ATTRITION_HR
  from a completer's completion day on. So it runs before anything that
  depends on who is employed when (job moves, vanishing leavers, training).
- plan_retention (profile option retention_program) then picks PRG-RET
  participants among new starters still employed at their registration. It
  never changes anybody's exit or ramp.

Every draw is made for every new starter, in a fixed order, whatever the
outcome, from the option's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .constants import (
    NEW_STARTER_HAZARD,
    ONBOARDING_ATTRITION_HR,
    ONBOARDING_BASE_RAMP_DAYS,
    ONBOARDING_COMPLETION_DAYS,
    ONBOARDING_DROPOUT,
    ONBOARDING_FAMILIES,
    ONBOARDING_LAUNCH,
    ONBOARDING_PROGRAM,
    ONBOARDING_RAMP_EFFECT_DAYS,
    ONBOARDING_RAMP_FLOOR_DAYS,
    ONBOARDING_RAMP_SD_DAYS,
    ONBOARDING_REGISTRATION_DAYS,
    ONBOARDING_UPTAKE,
    PERIOD_END,
    RECORD_END_MARGIN_DAYS,
    RETENTION_COMPLETION_DAYS,
    RETENTION_PROGRAM,
    RETENTION_REGISTRATION_DAYS,
    RETENTION_UPTAKE,
)
from .people import Worker

# The last day a registration or completion can happen on: a late-stored
# statement about it still lands inside the data.
LAST_RECORD_DAY = PERIOD_END - timedelta(days=RECORD_END_MARGIN_DAYS)

# ProgramPlan.outcome
COMPLETED = "completed"
DROPPED_OUT = "dropped_out"  # stopped of their own accord
LEFT = "left"  # left the company between registration and completion
IN_PROGRESS = "in_progress"  # their completion would fall after the data's end


@dataclass(frozen=True)
class ProgramPlan:
    """One person's path through a one-course program."""

    worker: Worker
    program_id: str
    first_day: date  # registration
    total_days: int  # from registration to completion (when completed)
    outcome: str

    @property
    def dropout_stage(self) -> int:
        """As training.schedule_program wants it: 0 completes, 1 stops in the course."""
        return 0 if self.outcome == COMPLETED else 1


def _days(ds: list[date]) -> np.ndarray:
    return np.array([np.datetime64(d, "D") for d in ds], dtype="datetime64[D]")


def _plans(people: list[Worker], program_id: str, hire: np.ndarray, registers: np.ndarray, reg: np.ndarray,
           done: np.ndarray, outcome: np.ndarray) -> list[ProgramPlan]:
    return [ProgramPlan(people[i], program_id, (hire[i] + reg[i]).item(), int(done[i] - reg[i]), str(outcome[i]))
            for i in np.flatnonzero(registers)]


def plan_onboarding(rng: np.random.Generator, workers: list[Worker]) -> list[ProgramPlan]:
    """PRG-ONB takers, and every new starter's ramp and exit.

    Sets termination_date of every new starter (all families: the hazard
    model replaces NEW_STARTER_EARLY_EXIT; a new leaver loses any planned
    promotion) and ramp_days of Customer Support and Sales new starters.
    Returns the PRG-ONB plans, in worker order.
    """
    people = [w for w in workers if w.new_starter]
    n = len(people)
    if n == 0:
        return []
    hire = _days([w.hire_date for w in people])
    target = np.array([w.family in ONBOARDING_FAMILIES for w in people])

    exposure = rng.standard_exponential(n)  # each person's cumulative hazard at leaving
    take_u, drop_u = rng.random(n), rng.random(n)
    reg = rng.integers(ONBOARDING_REGISTRATION_DAYS[0], ONBOARDING_REGISTRATION_DAYS[1] + 1, n)
    done = rng.integers(ONBOARDING_COMPLETION_DAYS[0], ONBOARDING_COMPLETION_DAYS[1] + 1, n)
    ramp = rng.normal(ONBOARDING_BASE_RAMP_DAYS, ONBOARDING_RAMP_SD_DAYS, n)

    takes = target & (hire >= np.datetime64(ONBOARDING_LAUNCH, "D")) & (take_u < ONBOARDING_UPTAKE)
    # Would complete (and be seen to): the hazard falls from the completion day on.
    would_complete = takes & (drop_u >= ONBOARDING_DROPOUT) & (hire + done <= np.datetime64(LAST_RECORD_DAY, "D"))
    h0, hr = NEW_STARTER_HAZARD, ONBOARDING_ATTRITION_HR
    at_completion = h0 * done  # cumulative hazard on the completion day
    stays = would_complete & (exposure >= at_completion)  # still employed on the completion day
    tenure = np.where(stays, done + (exposure - at_completion) / (h0 * hr), exposure / h0)  # days, continuous
    left_after = np.floor(tenure).astype(np.int64)  # the last day is hire + this

    registers = takes & (left_after >= reg)
    completes = registers & stays
    span = (np.datetime64(PERIOD_END, "D") - hire).astype(np.int64)  # days from hire to the data's end
    left_first = (left_after < done) & (left_after <= span)  # left the company before the completion day
    outcome = np.select([completes, drop_u < ONBOARDING_DROPOUT, left_first], [COMPLETED, DROPPED_OUT, LEFT],
                        IN_PROGRESS)

    # Completers are ONBOARDING_RAMP_EFFECT_DAYS ahead on their own ramp curve: every
    # share of the tenured rate comes that much sooner, so any threshold rule (a 4-week
    # span at the tenured median, say) measures the same shift.
    ramp_days = np.maximum(ramp, ONBOARDING_RAMP_FLOOR_DAYS)
    head_start = np.where(completes, -ONBOARDING_RAMP_EFFECT_DAYS, 0.0)
    for i, w in enumerate(people):
        w.termination_date = w.hire_date + timedelta(days=int(left_after[i])) if left_after[i] <= span[i] else None
        if w.termination_date is not None:
            w.promotion = None  # leavers are not promoted
        w.ramp_days = float(ramp_days[i]) if target[i] else 0.0
        w.ramp_head_start = float(head_start[i]) if target[i] else 0.0
    return _plans(people, ONBOARDING_PROGRAM, hire, registers, reg, done, outcome)


def plan_retention(rng: np.random.Generator, workers: list[Worker]) -> list[ProgramPlan]:
    """PRG-RET participants: Customer Support and Sales new starters, each
    with probability RETENTION_UPTAKE when still employed on their
    registration day (60-120 days after hire, a week before the end at the latest); they
    complete 2-14 days later unless they leave first or the day is past the
    data. Changes nobody's exit or ramp. Returns the plans, in worker order."""
    people = [w for w in workers if w.new_starter and w.family in ONBOARDING_FAMILIES]
    n = len(people)
    if n == 0:
        return []
    hire = _days([w.hire_date for w in people])
    last = _days([w.termination_date or date(2999, 12, 31) for w in people])

    take_u = rng.random(n)
    reg = rng.integers(RETENTION_REGISTRATION_DAYS[0], RETENTION_REGISTRATION_DAYS[1] + 1, n)
    done = reg + rng.integers(RETENTION_COMPLETION_DAYS[0], RETENTION_COMPLETION_DAYS[1] + 1, n)

    registers = (take_u < RETENTION_UPTAKE) & (hire + reg <= last) & (hire + reg <= np.datetime64(LAST_RECORD_DAY, "D"))
    late = hire + done > np.datetime64(LAST_RECORD_DAY, "D")
    outcome = np.select([~late & (hire + done <= last), hire + done > last], [COMPLETED, LEFT], IN_PROGRESS)
    return _plans(people, RETENTION_PROGRAM, hire, registers, reg, done, outcome)
