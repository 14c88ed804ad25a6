"""Who trains, in which courses, and when.

This is the treatment assignment of the simulated experiment: participation
is drawn independently of anyone's KPI baseline, and only people employed
over their whole pre+post window train, so a difference-in-differences on
the generated data recovers the planted effects. (The realistic profile's
Ashenfelter dip makes participants' KPI worse just before their first
registration; that is applied to the KPIs, not to who is chosen.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from .common import mixed_case, random_day, uuid4, work_time
from .constants import (
    COMPLETION_DAYS,
    CONTRACTOR_DOMAIN,
    CONTRACTOR_PROGRAMS,
    COURSE_BY_ID,
    COURSES,
    FIRST_REGISTRATION_WINDOW,
    GENERAL_COURSE_UPTAKE,
    LMS_EMAIL_MIXED_CASE_SHARE,
    N_CONTRACTORS,
    NEG_COMPLETERS,
    NEG_NON_COMPLETERS,
    OVERLAP_MIN_SHARE,
    OVERLAP_MIN_WORKERS,
    OVERLAP_PROGRAMS,
    OVERLAP_REGISTRATION_DAYS,
    PERIOD_END,
    POST_WINDOW_DAYS,
    PRE_WINDOW_DAYS,
    PROGRAM_DROPOUT,
    PROGRAM_FAMILY,
    PROGRAM_UPTAKE,
    TEST_ACCOUNT_COURSE,
    TEST_ACCOUNT_EMAILS,
    XAPI_ACCOUNT_SHARE,
    Course,
)
from .people import FIRST_NAMES, LAST_NAMES, Worker


@dataclass
class Learner:
    """Somebody with an LMS account: a worker, a contractor or a test account."""

    email: str  # canonical, lowercase
    name: str
    kind: str  # worker | contractor | test
    worker: Worker | None = None
    username: str = ""
    lms_user_id: str = ""
    lms_email: str = ""  # as the LMS stores it (some mixed case)
    uses_account: bool = False  # xAPI actor by account{} rather than mbox
    created_at: datetime | None = None
    inactive_from: date | None = None


@dataclass
class Registration:
    """One learner in one course, i.e. one xAPI context.registration."""

    learner: Learner
    course: Course
    registration_id: str
    registered_at: datetime
    launched_at: datetime
    pre_test_at: datetime | None = None
    pre_score: int | None = None
    module_times: list[datetime] = field(default_factory=list)
    completed_at: datetime | None = None
    post_test_at: datetime | None = None
    post_score: int | None = None


@dataclass
class Enrollment:
    """A learner's path through one program."""

    learner: Learner
    program_id: str
    registrations: list[Registration]
    completed_at: datetime | None  # completion of the program's last course
    dropout_stage: int = 0  # 0 = completed, else the course number they stopped in

    @property
    def first_registration(self) -> datetime:
        return self.registrations[0].registered_at


@dataclass
class Training:
    learners: list[Learner]  # in lms_user_id order
    enrollments: list[Enrollment]  # program enrollments
    registrations: list[Registration]  # every registration, incl. CRS-GEN-001

    def completion(self, program_id: str) -> dict[int, datetime]:
        """Worker idx -> completion of the program, for workers who completed it."""
        return {
            e.learner.worker.idx: e.completed_at
            for e in self.enrollments
            if e.program_id == program_id and e.completed_at and e.learner.worker
        }

    def first_registration(self, program_id: str) -> dict[int, datetime]:
        """Worker idx -> first registration in the program, for every worker
        participant (completers and dropouts)."""
        out: dict[int, datetime] = {}
        for e in self.enrollments:
            if e.program_id == program_id and e.learner.worker:
                idx = e.learner.worker.idx
                out[idx] = min(out.get(idx, e.first_registration), e.first_registration)
        return out

    def completed_both(self, programs: tuple[str, ...]) -> list[Worker]:
        """Workers who completed every one of programs, in worker order."""
        done = [set(self.completion(p)) for p in programs]
        both = set.intersection(*done) if done else set()
        by_idx = {e.learner.worker.idx: e.learner.worker for e in self.enrollments if e.learner.worker}
        return [by_idx[i] for i in sorted(both)]


def program_courses(program_id: str) -> list[Course]:
    return [c for c in COURSES if c.program_id == program_id]


# --------------------------------------------------------------------------
# Scheduling one person through one program
# --------------------------------------------------------------------------
def _registration(rng, learner: Learner, course: Course, registered_at: datetime) -> Registration:
    launched = registered_at + timedelta(minutes=int(rng.integers(5, 24 * 60)))
    reg = Registration(learner, course, uuid4(rng), registered_at, launched)
    if course.has_assessments:
        reg.pre_test_at = launched + timedelta(minutes=int(rng.integers(2, 30)))
        reg.pre_score = int(np.clip(round(rng.normal(55, 12)), 0, 100))
    return reg


def _complete(rng, reg: Registration, completed_at: datetime) -> None:
    """Finish a registration: modules in between, the post-test, then completed."""
    reg.completed_at = completed_at
    start = reg.pre_test_at or reg.launched_at
    if reg.course.has_assessments:
        reg.post_test_at = completed_at - timedelta(minutes=int(rng.integers(5, 40)))
        reg.post_score = int(np.clip(round(reg.pre_score + rng.normal(15, 8)), 0, 100))
    _add_modules(rng, reg, start, reg.post_test_at or completed_at)


def _add_modules(rng, reg: Registration, lo: datetime, hi: datetime) -> None:
    """Zero to two 'experienced' module pages, between lo and hi."""
    span = (hi - lo).total_seconds()
    n = int(rng.integers(0, 3)) if span > 120 else 0
    offsets = sorted(int(x) for x in rng.integers(60, int(span) - 60, n)) if n else []
    reg.module_times = [lo + timedelta(seconds=s) for s in offsets]


def _drop_out(rng, reg: Registration) -> None:
    """A dropout launched, maybe took the pre-test, maybe opened a module."""
    if reg.pre_test_at and rng.random() < 0.5:
        reg.pre_test_at = reg.pre_score = None
    if rng.random() < 0.5:
        lo = reg.pre_test_at or reg.launched_at
        reg.module_times = [lo + timedelta(minutes=int(rng.integers(3, 120)))]


def schedule_program(rng, learner: Learner, program_id: str, first_day: date,
                     total_days: int, dropout_stage: int = 0) -> Enrollment:
    """Take the program's courses in order; the last completes total_days after the first registration.

    dropout_stage = k (k >= 1) stops the learner inside course k, after
    registering and launching it, without completing it.
    """
    courses = program_courses(program_id)
    end_day = first_day + timedelta(days=total_days)
    # Completion day of each course: spread the courses over the total span.
    cuts = sorted(rng.uniform(0.3, 0.6, len(courses) - 1))
    done_days = [first_day + timedelta(days=int(round(c * total_days))) for c in cuts] + [end_day]

    regs, registered_at = [], work_time(rng, first_day)
    for k, (course, done_day) in enumerate(zip(courses, done_days), start=1):
        reg = _registration(rng, learner, course, registered_at)
        regs.append(reg)
        if dropout_stage == k:
            _drop_out(rng, reg)
            return Enrollment(learner, program_id, regs, None, dropout_stage)
        _complete(rng, reg, work_time(rng, done_day))
        # The next course is registered within a day of finishing this one.
        registered_at = reg.completed_at + timedelta(minutes=int(rng.integers(10, 24 * 60)))
    return Enrollment(learner, program_id, regs, regs[-1].completed_at)


# --------------------------------------------------------------------------
# Who trains
# --------------------------------------------------------------------------
def _draw_windows(rng, n: int) -> tuple[list[date], list[int]]:
    lo, hi = FIRST_REGISTRATION_WINDOW
    firsts = [random_day(rng, lo, hi) for _ in range(n)]
    totals = [int(t) for t in rng.integers(COMPLETION_DAYS[0], COMPLETION_DAYS[1] + 1, n)]
    return firsts, totals


def _fits(w: Worker, first: date, total: int) -> bool:
    """Employed over the whole pre window and post window."""
    return w.employed_throughout(first - timedelta(days=PRE_WINDOW_DAYS),
                                 first + timedelta(days=total + POST_WINDOW_DAYS))


def _eligible(rng, ics: list[Worker]) -> list[tuple[Worker, date, int]]:
    firsts, totals = _draw_windows(rng, len(ics))
    return [(w, f, t) for w, f, t in zip(ics, firsts, totals) if _fits(w, f, t)]


def _dropout_stages(rng, n: int, rate: float, n_courses: int) -> list[int]:
    """Exactly round(rate * n) dropouts; in two-course programs they alternate
    between quitting in course 1 and in course 2, so both kinds always exist."""
    stages = [0] * n
    dropouts = sorted(int(i) for i in rng.choice(n, round(rate * n), replace=False))
    for j, i in enumerate(dropouts):
        stages[i] = 2 if (n_courses > 1 and j % 2 == 0) else 1
    return stages


class _LearnerBook:
    """One Learner per email, created on first use."""

    def __init__(self):
        self.by_email: dict[str, Learner] = {}

    def worker(self, w: Worker) -> Learner:
        if w.email not in self.by_email:
            self.by_email[w.email] = Learner(w.email, w.legal_name, "worker", worker=w)
        return self.by_email[w.email]

    def other(self, email: str, name: str, kind: str) -> Learner:
        self.by_email.setdefault(email, Learner(email, name, kind))
        return self.by_email[email]


def plan_training(rng: np.random.Generator, workers: list[Worker],
                  overlap_rng: np.random.Generator | None = None,
                  extra_programs: Sequence[tuple[np.random.Generator, Sequence]] = ()) -> Training:
    """Who trains when. With overlap_rng (profile option two_programs_same_kpi),
    some PRG-SUP completers are also put through PRG-MND around the same time,
    drawn from that separate stream so that who else trains, and when, does
    not change (the LMS feeds do get the extra registrations).

    extra_programs: (stream, plans) pairs of programs planned elsewhere
    (onboarding.ProgramPlan: the new starters' PRG-ONB and PRG-RET), whose
    registrations are drawn from their own stream."""
    book = _LearnerBook()
    enrollments: list[Enrollment] = []
    ics = {fam: [w for w in workers if w.family == fam and w.role == "ic"] for fam in sorted(set(PROGRAM_FAMILY.values()))}

    for program_id in ("PRG-SUP", "PRG-SAL", "PRG-MND"):
        family_ics = ics[PROGRAM_FAMILY[program_id]]
        eligible = _eligible(rng, family_ics)
        n = min(len(eligible), round(PROGRAM_UPTAKE[program_id] * len(family_ics)))
        chosen = sorted(int(i) for i in rng.choice(len(eligible), n, replace=False))
        stages = _dropout_stages(rng, n, PROGRAM_DROPOUT[program_id], len(program_courses(program_id)))
        for i, stage in zip(chosen, stages):
            w, first, total = eligible[i]
            enrollments.append(schedule_program(rng, book.worker(w), program_id, first, total, stage))

    if overlap_rng is not None:
        enrollments += _plan_overlap(overlap_rng, book, ics[PROGRAM_FAMILY[OVERLAP_PROGRAMS[0]]], enrollments)

    enrollments += _plan_negotiation(rng, book, ics["Sales"], enrollments)
    enrollments += _plan_contractors(rng, book)
    for extra_rng, plans in extra_programs:
        enrollments += [schedule_program(extra_rng, book.worker(p.worker), p.program_id, p.first_day, p.total_days,
                                         p.dropout_stage) for p in plans]
    general = _plan_general_course(rng, book, workers)

    registrations = [r for e in enrollments for r in e.registrations] + general
    learners = _finish_learners(rng, book, registrations)
    return Training(learners, enrollments, registrations)


def overlap_minimum(n_ics: int) -> int:
    """How many workers two_programs_same_kpi guarantees complete both programs."""
    return max(OVERLAP_MIN_WORKERS, math.ceil(OVERLAP_MIN_SHARE * n_ics))


def _plan_overlap(rng, book: _LearnerBook, family_ics: list[Worker],
                  so_far: list[Enrollment]) -> list[Enrollment]:
    """Put overlap_minimum() PRG-SUP completers who are not in PRG-MND through
    PRG-MND too, completed, with a first registration within
    +-OVERLAP_REGISTRATION_DAYS of their PRG-SUP one, so that their PRG-MND
    pre/post windows straddle their PRG-SUP completion."""
    first_prog, second_prog = OVERLAP_PROGRAMS
    in_second = {e.learner.email for e in so_far if e.program_id == second_prog}
    pool = [e for e in so_far if e.program_id == first_prog and e.completed_at and e.learner.worker
            and e.learner.email not in in_second]
    need = overlap_minimum(len(family_ics))
    lo, hi = FIRST_REGISTRATION_WINDOW
    out = []
    for i in rng.permutation(len(pool)):
        if len(out) == need:
            break
        e = pool[int(i)]
        w, sup_first = e.learner.worker, e.first_registration.date()
        for _ in range(5):  # a few tries to fit the worker's employment
            shift = int(rng.integers(-OVERLAP_REGISTRATION_DAYS, OVERLAP_REGISTRATION_DAYS + 1))
            first = min(max(sup_first + timedelta(days=shift), lo), hi)
            total = int(rng.integers(COMPLETION_DAYS[0], COMPLETION_DAYS[1] + 1))
            if _fits(w, first, total):
                out.append(schedule_program(rng, book.worker(w), second_prog, first, total))
                break
    return out


def _plan_negotiation(rng, book: _LearnerBook, sales_ics: list[Worker], so_far: list[Enrollment]) -> list[Enrollment]:
    """The tiny program: NEG_COMPLETERS completers plus a non-completer, all
    Sales reps outside PRG-SAL (so PRG-NEG has no true effect at all)."""
    in_sal = {e.learner.email for e in so_far if e.program_id == "PRG-SAL"}
    eligible = [x for x in _eligible(rng, sales_ics) if x[0].email not in in_sal]
    n = NEG_COMPLETERS + NEG_NON_COMPLETERS
    chosen = sorted(int(i) for i in rng.choice(len(eligible), n, replace=False))
    out = []
    for j, i in enumerate(chosen):
        w, first, total = eligible[i]
        stage = 0 if j < NEG_COMPLETERS else 1
        out.append(schedule_program(rng, book.worker(w), "PRG-NEG", first, total, stage))
    return out


def _plan_contractors(rng, book: _LearnerBook) -> list[Enrollment]:
    """Contractors (not in HRIS) who take, and complete, program courses."""
    programs = [p for p, n in sorted(CONTRACTOR_PROGRAMS.items()) for _ in range(n)]
    assert len(programs) == N_CONTRACTORS
    out, used = [], set()
    for program_id in programs:
        while True:  # distinct names, so distinct contractor emails
            first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
            last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
            if (first, last) not in used:
                used.add((first, last))
                break
        learner = book.other(f"{first}.{last}@{CONTRACTOR_DOMAIN}".lower(), f"{first} {last}", "contractor")
        (first_day,), (total,) = _draw_windows(rng, 1)
        out.append(schedule_program(rng, learner, program_id, first_day, total))
    return out


def _plan_general_course(rng, book: _LearnerBook, workers: list[Worker]) -> list[Registration]:
    """Background traffic: a share of everybody takes CRS-GEN-001 once, and
    the test accounts click through it."""
    course = COURSE_BY_ID["CRS-GEN-001"]
    opened = date(2025, 1, 6)
    regs = []
    for w in workers:
        lo = max(w.hire_date, opened)
        hi = min(w.termination_date or PERIOD_END, date(2026, 6, 15))
        if rng.random() >= GENERAL_COURSE_UPTAKE or lo > hi:
            continue
        day = random_day(rng, lo, hi)
        regs.append(_general_registration(rng, book.worker(w), course, day))
    for k, email in enumerate(TEST_ACCOUNT_EMAILS, start=1):
        learner = book.other(email, f"Test Learner {k}", "test")
        regs.append(_general_registration(rng, learner, COURSE_BY_ID[TEST_ACCOUNT_COURSE], date(2025, 1, 7 + k)))
    return regs


def _general_registration(rng, learner: Learner, course: Course, day: date) -> Registration:
    reg = _registration(rng, learner, course, work_time(rng, day))
    if rng.random() < 0.9:  # most people finish the short compliance course
        done = reg.launched_at + timedelta(minutes=int(rng.integers(20, 10 * 24 * 60)))
        _complete(rng, reg, done)
    return reg


# --------------------------------------------------------------------------
# LMS accounts
# --------------------------------------------------------------------------
def _finish_learners(rng, book: _LearnerBook, registrations: list[Registration]) -> list[Learner]:
    """Give every learner an LMS account: id, username, stored email, status."""
    first_seen: dict[str, datetime] = {}
    last_seen: dict[str, datetime] = {}
    for r in registrations:
        e = r.learner.email
        first_seen[e] = min(first_seen.get(e, r.registered_at), r.registered_at)
        last_seen[e] = max(last_seen.get(e, r.registered_at), r.completed_at or r.launched_at)

    learners = sorted(book.by_email.values(), key=lambda lr: lr.email)
    for lr in learners:
        # Accounts exist a little before first use (provisioned, or self sign-up).
        lr.created_at = max(datetime(2024, 12, 1, 9), first_seen[lr.email] - timedelta(days=int(rng.integers(1, 21))))
        if lr.worker and lr.worker.termination_date:
            lr.inactive_from = lr.worker.termination_date
        elif lr.kind == "contractor":
            lr.inactive_from = last_seen[lr.email].date() + timedelta(days=90)

    # ids follow account creation, as an LMS would number them
    learners.sort(key=lambda lr: (lr.created_at, lr.email))
    taken: set[str] = set()
    for i, lr in enumerate(learners, start=1):
        lr.lms_user_id = f"U{i:05d}"
        lr.username = _username(rng, lr, taken)
        mixed = rng.random() < LMS_EMAIL_MIXED_CASE_SHARE
        lr.lms_email = mixed_case(lr.email, int(rng.integers(0, 3))) if mixed else lr.email

    # A share of real people are identified by their LMS account in xAPI.
    people = [lr for lr in learners if lr.kind != "test"]
    n_account = round(XAPI_ACCOUNT_SHARE * len(people))
    for i in rng.choice(len(people), n_account, replace=False):
        people[int(i)].uses_account = True
    return learners


def _username(rng, learner: Learner, taken: set[str]) -> str:
    """jdoe42 style: first initial, last name, two digits; unique."""
    if learner.kind == "test":
        return learner.email.split("@")[0].replace(".", "")
    first, _, last = learner.name.partition(" ")
    while True:
        name = f"{first[0]}{last}{int(rng.integers(10, 100))}".lower()
        if name not in taken:
            taken.add(name)
            return name
