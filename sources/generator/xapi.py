"""xAPI 1.0.3 statements from the training plan, plus the planted LRS mess."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .common import PERIOD_END_TS, iso_ts, mixed_case, month_end, month_index, uuid4, work_time
from .constants import (
    LMS_HOME,
    MALFORMED_XAPI_DATE,
    N_DUPLICATE_STATEMENTS,
    UNKNOWN_VERB,
    XAPI_MBOX_MIXED_CASE_SHARE,
    Course,
)
from .training import Learner, Registration, Training

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
AUTHORITY = {"objectType": "Agent", "name": "Acme LMS", "account": {"homePage": LMS_HOME, "name": "lrs-export"}}
LATE_STORED_SHARE = 0.03  # stored days after the timestamp: may land in next month's file


@dataclass
class Statement:
    stored: datetime
    id: str
    verb: str  # short name, for picking mess targets
    line: str  # the serialised JSON


class StatementFactory:
    """Builds statement dicts; owns the random stream for ids, case and lag."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def actor(self, learner: Learner) -> dict:
        if learner.uses_account:
            return {"objectType": "Agent", "name": learner.name,
                    "account": {"homePage": LMS_HOME, "name": learner.username}}
        email = learner.email
        if self.rng.random() < XAPI_MBOX_MIXED_CASE_SHARE:
            email = mixed_case(email, int(self.rng.integers(0, 3)))
        return {"objectType": "Agent", "name": learner.name, "mbox": f"mailto:{email}"}

    def stored_after(self, timestamp: datetime) -> datetime:
        lag = timedelta(seconds=int(self.rng.integers(30, 600)))
        if self.rng.random() < LATE_STORED_SHARE:  # the LRS forwarded a batch late
            lag += timedelta(days=int(self.rng.integers(1, 7)))
        return timestamp + lag

    def make(self, learner: Learner, verb: str, obj: dict, timestamp: datetime, *,
             result: dict | None = None, context: dict | None = None,
             verb_id: str | None = None, stored: datetime | None = None) -> Statement:
        stored = stored or self.stored_after(timestamp)
        sid = uuid4(self.rng)
        body = {
            "id": sid,
            "actor": self.actor(learner),
            "verb": {"id": verb_id or ADL_VERB + verb, "display": {"en-US": verb}},
            "object": obj,
        }
        if result is not None:
            body["result"] = result
        if context is not None:
            body["context"] = context
        body.update({
            "timestamp": iso_ts(timestamp),
            "stored": iso_ts(stored),
            "authority": AUTHORITY,
            "version": "1.0.3",
        })
        return Statement(stored, sid, verb, json.dumps(body, separators=(",", ":")))


# --------------------------------------------------------------------------
# Activities, results, contexts
# --------------------------------------------------------------------------
def course_activity(course: Course) -> dict:
    return _activity(course.iri, course.title, "course")


def assessment_activity(course: Course, which: str) -> dict:
    label = "Pre-assessment" if which == "pre" else "Post-assessment"
    return _activity(f"{course.iri}/assessment/{which}", f"{label}: {course.title}", "assessment")


def module_activity(course: Course, k: int) -> dict:
    return _activity(f"{course.iri}/module/{k}", f"Module {k}: {course.title}", "module")


def _activity(iri: str, name: str, kind: str) -> dict:
    return {"objectType": "Activity", "id": iri,
            "definition": {"name": {"en-US": name}, "type": ADL_ACTIVITY + kind}}


def _score(raw: int) -> dict:
    return {"scaled": round(raw / 100, 2), "raw": raw, "min": 0, "max": 100}


def iso_duration(hours: float) -> str:
    """2 -> PT2H, 0.5 -> PT30M, 1.5 -> PT1H30M."""
    h, m = int(hours), int(round((hours - int(hours)) * 60))
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "")


def _context(reg: Registration, child: bool) -> dict:
    ctx = {"registration": reg.registration_id}
    if child:  # assessments and modules point back to their course
        ctx["contextActivities"] = {"parent": [{"objectType": "Activity", "id": reg.course.iri}]}
    return ctx


# --------------------------------------------------------------------------
# Statements of one registration
# --------------------------------------------------------------------------
def registration_statements(f: StatementFactory, reg: Registration) -> list[Statement]:
    c, who = reg.course, reg.learner
    out = [
        f.make(who, "registered", course_activity(c), reg.registered_at, context=_context(reg, False)),
        f.make(who, "launched", course_activity(c), reg.launched_at, context=_context(reg, False)),
    ]
    if reg.pre_test_at:
        out.append(f.make(who, "attempted", assessment_activity(c, "pre"), reg.pre_test_at,
                          result={"score": _score(reg.pre_score)}, context=_context(reg, True)))
    for k, t in enumerate(reg.module_times, start=1):
        out.append(f.make(who, "experienced", module_activity(c, k), t, context=_context(reg, True)))
    if reg.post_test_at:
        passed = reg.post_score >= 70
        out.append(f.make(who, "passed" if passed else "failed", assessment_activity(c, "post"), reg.post_test_at,
                          result={"score": _score(reg.post_score), "success": passed, "completion": True},
                          context=_context(reg, True)))
    if reg.completed_at:
        out.append(f.make(who, "completed", course_activity(c), reg.completed_at,
                          result={"completion": True, "duration": iso_duration(c.duration_hours)},
                          context=_context(reg, False)))
    return out


# --------------------------------------------------------------------------
# Planted mess
# --------------------------------------------------------------------------
def _unknown_verb(f: StatementFactory, rng, training: Training) -> Statement:
    """A video 'paused' statement from a PRG-SUP completer: kept, not dropped."""
    pool = [e for e in training.enrollments if e.program_id == "PRG-SUP" and e.completed_at and e.learner.worker]
    reg = pool[int(rng.integers(len(pool)))].registrations[0]
    t = reg.launched_at + timedelta(minutes=int(rng.integers(10, 50)))
    return f.make(reg.learner, "paused", module_activity(reg.course, 1), t,
                  context=_context(reg, True), verb_id=UNKNOWN_VERB)


def _voided_completion(f: StatementFactory, rng, training: Training) -> tuple[list[Statement], dict]:
    """A bogus 'completed' of the last PRG-SUP course for someone who dropped
    out in it, voided by a statement stored in the following month.

    Without honouring the voiding, this person would count as a completer.
    """
    pool = [e for e in training.enrollments
            if e.program_id == "PRG-SUP" and e.dropout_stage == 2 and e.learner.worker]
    enr = pool[int(rng.integers(len(pool)))]
    reg = enr.registrations[-1]
    when = work_time(rng, (reg.launched_at + timedelta(days=int(rng.integers(2, 10)))).date())
    stored = when + timedelta(minutes=3)
    bogus = f.make(reg.learner, "completed", course_activity(reg.course), when, stored=stored,
                   result={"completion": True, "duration": iso_duration(reg.course.duration_hours)},
                   context=_context(reg, False))
    # Voided early next month, when the LMS admin spots the glitch.
    assert month_index(stored) + 1 <= month_index(PERIOD_END_TS), "the voiding must land inside the period"
    void_day = month_end(stored.date()) + timedelta(days=int(rng.integers(1, 6)))  # day 1-5 of next month
    void_at = work_time(rng, void_day)
    voiding = f.make(reg.learner, "voided", {"objectType": "StatementRef", "id": bogus.id}, void_at,
                     stored=void_at + timedelta(minutes=1))
    info = {"voided_statement_id": bogus.id, "voiding_statement_id": voiding.id,
            "voided_learner_email": reg.learner.email, "voided_course_id": reg.course.course_id}
    return [bogus, voiding], info


def build_statements(rng: np.random.Generator, training: Training) -> tuple[list[Statement], dict]:
    """Every statement the LRS stored within the period, and what mess was planted."""
    f = StatementFactory(rng)
    statements = [s for reg in training.registrations for s in registration_statements(f, reg)]
    unknown = _unknown_verb(f, rng, training)
    voided, info = _voided_completion(f, rng, training)
    statements += [unknown, *voided]
    info["unknown_verb_statement_id"] = unknown.id
    statements = [s for s in statements if s.stored <= PERIOD_END_TS]
    statements.sort(key=lambda s: (s.stored, s.id))
    return statements, info


def monthly_lines(rng: np.random.Generator, statements: list[Statement], n_months: int,
                  info: dict) -> list[list[str]]:
    """Statement lines per extract month, with duplicates and one malformed line."""
    months: list[list[Statement]] = [[] for _ in range(n_months)]
    for s in statements:
        months[month_index(s.stored)].append(s)
    lines = [[s.line for s in ms] for ms in months]

    # Re-delivered statements: the same line again at the end of next month's file.
    mess_ids = {info["voided_statement_id"], info["voiding_statement_id"], info["unknown_verb_statement_id"]}
    candidates = [s for s in statements if month_index(s.stored) < n_months - 1 and s.id not in mess_ids]
    picks = sorted(int(i) for i in rng.choice(len(candidates), N_DUPLICATE_STATEMENTS, replace=False))
    for i in picks:
        s = candidates[i]
        lines[month_index(s.stored) + 1].append(s.line)
    info["duplicate_statement_ids"] = [candidates[i].id for i in picks]

    # A truncated copy of a module statement, right after the intact one.
    m = month_index(MALFORMED_XAPI_DATE)
    target = next(i for i, s in enumerate(months[m]) if s.verb == "experienced")
    line = months[m][target].line
    lines[m].insert(target + 1, line[: len(line) // 2])
    info["malformed_statement_id"] = months[m][target].id
    return lines
