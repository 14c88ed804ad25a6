"""generate(): build the simulated world and write the landing folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from . import aids, crm, lms, search, servicedesk, xapi
from .common import DipWindows, Ramp, extract_dates, history_from, month_index, substream
from .constants import (
    AID_ARTICLES,
    AID_KPI,
    AID_OTHER_PROGRAMS,
    AID_POST_WEEKS,
    AID_PRE_WEEKS,
    BAD_INCIDENT_ROW_DATE,
    COMPLETION_DAYS,
    COURSES,
    CRM_INTEGRATION_EMAIL,
    DIP_PROGRAMS,
    EARLY_ATTRITION_DAYS,
    FAMILY_SIZES,
    HISTORY_START,
    INCIDENTS_GZIP_DATE,
    MALFORMED_XAPI_DATE,
    ONBOARDING_FAMILIES,
    ONBOARDING_LAUNCH,
    ONBOARDING_PROGRAM,
    OVERLAP_PROGRAMS,
    PERIOD_END,
    PERIOD_START,
    PLANTED,
    RETENTION_PROGRAM,
    SCALES,
    XAPI_GZIP_EVERY,
    Course,
)
from .contracts import csv_columns, validate_against_contracts
from .effects import EffectPath
from .onboarding import COMPLETED, IN_PROGRESS, LEFT, ProgramPlan, plan_onboarding, plan_retention
from .people import (
    Worker,
    build_workers,
    hris_rows,
    new_starter_shares,
    plan_job_moves,
    plan_vanishing_leavers,
)
from .profile import DEFAULT_PROFILE, Profile, resolve_profile
from .training import Training, plan_training
from .writers import LandingWriter


@dataclass
class World:
    """Who works where and who trains when, for one (scale, seed, profile)."""

    scale: str
    seed: int
    profile: Profile
    workers: list[Worker]
    training: Training
    job_moves: int = 0
    vanished_leaver_ids: list[str] = field(default_factory=list)
    # The new starters' programs as planned (profile options onboarding, retention_program).
    onboarding_plans: list[ProgramPlan] = field(default_factory=list)
    retention_plans: list[ProgramPlan] = field(default_factory=list)
    # The performance-support programs' adopters, by program (aids.py).
    adoptions: dict[str, aids.Adoption] = field(default_factory=dict)

    @property
    def courses(self) -> tuple[Course, ...]:
        """The LMS catalogue: a new starters' program only while its option is on."""
        off = {ONBOARDING_PROGRAM: not self.profile.onboarding, RETENTION_PROGRAM: not self.profile.retention_program}
        return tuple(c for c in COURSES if not off.get(c.program_id, False))

    @property
    def new_starters(self) -> list[Worker]:
        """Individual contributors hired during the period, every family."""
        return [w for w in self.workers if w.new_starter]

    @property
    def support_agents(self) -> list[Worker]:
        return [w for w in self.workers if w.family == "Customer Support" and w.role == "ic"]

    @property
    def sales(self) -> list[Worker]:
        return [w for w in self.workers if w.family == "Sales"]

    @property
    def reps(self) -> list[Worker]:
        return [w for w in self.sales if w.role == "ic"]

    def dip(self, kpi: str, workers: list[Worker]) -> DipWindows | None:
        """The dip windows of kpi over workers, or None when the profile has no dip for it."""
        dip = self.profile.dip
        if dip is None or kpi not in dip.size:
            return None
        first = self.training.first_registration(DIP_PROGRAMS[kpi])
        return DipWindows(workers, first, dip.weeks_before, dip.size[kpi])

    def effect_path(self, program_id: str, kpi: str, workers: list[Worker]) -> EffectPath | None:
        """The program's effect on kpi as the profile's hard-world options bend it, or
        None in a world where the planted effect applies unchanged."""
        if not self.profile.hard_world:
            return None
        training = self.training
        return EffectPath(workers, training.completion(program_id), training.first_registration(program_id),
                          PLANTED[(program_id, kpi)], self.profile)

    def aid_path(self, program_id: str, workers: list[Worker]) -> EffectPath:
        """An aid's effect on AID_KPI from each adopter's first meaningful use, bent by the
        hard-world options like a course's (in the other worlds, the planted effect unchanged)."""
        a = self.adoptions[program_id]
        return EffectPath(workers, a.adopted, a.first_view, PLANTED[(program_id, AID_KPI)], self.profile)

    def aid_dip(self, program_id: str, workers: list[Worker]) -> DipWindows | None:
        """The bad spell before some adopters' first view (the profile's dip, its weeks and size), or None."""
        dip = self.profile.dip
        if dip is None or AID_KPI not in dip.size:
            return None
        a = self.adoptions[program_id]
        return DipWindows(workers, {i: a.first_view[i] for i in a.bad_spell}, dip.weeks_before, dip.size[AID_KPI])

    def ramp(self, workers: list[Worker], stream: str) -> Ramp | None:
        """New starters' ramp over workers (profile option onboarding), thinning from its own stream."""
        return Ramp(workers, substream(self.seed, stream)) if self.profile.onboarding else None


def _other_windows(training: Training) -> dict[int, list[tuple[date, date]]]:
    """Worker idx -> the span of each of their AID_OTHER_PROGRAMS windows: from the pre
    window's start to the post window's end (a dropout's as if completed on the last day
    a completion can come)."""
    out: dict[int, list[tuple[date, date]]] = {}
    for program_id in AID_OTHER_PROGRAMS:
        done = training.completion(program_id)
        for idx, first in training.first_registration(program_id).items():
            end = done[idx] if idx in done else first + timedelta(days=COMPLETION_DAYS[1])
            out.setdefault(idx, []).append((first.date() - timedelta(weeks=AID_PRE_WEEKS),
                                            end.date() + timedelta(weeks=AID_POST_WEEKS)))
    return out


def first_extract_month(scale: str, history_start: date | None = None) -> date:
    """history_start when given, else the scale's own first extract month."""
    return history_start or HISTORY_START.get(scale, PERIOD_START)


def build_world(scale: str = "small", seed: int = 7, profile: str | Profile = DEFAULT_PROFILE,
                history_start: date | None = None, **overrides) -> World:
    """The people and the training plan generate() writes feeds from.

    Each part of the realistic mess draws from its own substream, so that
    switching one option leaves everything it does not touch unchanged.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    with history_from(first_extract_month(scale, history_start)):
        return _build_world(scale, seed, profile, overrides)


def _build_world(scale: str, seed: int, profile: str | Profile, overrides: dict) -> World:
    prof = resolve_profile(profile, overrides)
    seed = int(seed)
    shares = new_starter_shares(prof.new_starter_share, prof.high_turnover_support)
    workers = build_workers(substream(seed, "workers"), SCALES[scale], shares, substream(seed, "new-starters"))
    # Onboarding decides when new starters leave, so it comes before everything
    # that depends on who is employed when.
    extra = []
    onboarding_plans, retention_plans = [], []
    if prof.onboarding:
        onboarding_rng = substream(seed, "onboarding")
        onboarding_plans = plan_onboarding(onboarding_rng, workers)
        extra.append((onboarding_rng, onboarding_plans))
    moves = plan_job_moves(substream(seed, "job-moves"), workers, prof.job_move_share)
    vanished = plan_vanishing_leavers(substream(seed, "vanishing-leavers"), workers, prof.vanishing_leaver_share)
    if prof.retention_program:
        retention_rng = substream(seed, "retention-program")
        retention_plans = plan_retention(retention_rng, workers)
        extra.append((retention_rng, retention_plans))
    overlap_rng = substream(seed, "training-overlap") if prof.two_programs_same_kpi else None
    training = plan_training(substream(seed, "training"), workers, overlap_rng, extra)
    # Job aids are taken up on the job, after everything that decides who works when.
    agents = [w for w in workers if w.family == "Customer Support" and w.role == "ic"]
    adoptions = aids.plan_adoptions(substream(seed, "aid-adoption"), agents, _other_windows(training))
    return World(scale, seed, prof, workers, training, moves, vanished, onboarding_plans, retention_plans, adoptions)


def generate(out_dir: str | Path, scale: str = "small", seed: int = 7,
             profile: str | Profile = DEFAULT_PROFILE, history_start: date | None = None, **overrides) -> dict:
    """Write the sample landing folder under out_dir and return a summary.

    profile: "realistic" (the default: every kind of real-extract mess of
    profile.Profile on) or "clean" (all off), or a Profile; overrides switch
    single options of it, e.g. dip=None or resolved_before_response_share=0.05
    (an unknown option name raises TypeError).

    The same (scale, seed, profile, options) always gives byte-identical
    files: every draw comes from seeded numpy streams, nothing reads the
    clock, gzip headers carry mtime 0. Existing files of the same name are
    replaced. history_start (a first of the month on or before the period's
    start) moves the first extract earlier than the scale's own.
    """
    world = build_world(scale, seed, profile, history_start, **overrides)
    with history_from(first_extract_month(scale, history_start)):
        return _write_world(Path(out_dir), world)


def _write_world(out_dir: Path, world: World) -> dict:
    prof = world.profile
    dates = extract_dates()
    out = LandingWriter(out_dir)

    _write_hris(out, dates, world.workers)
    mess = _write_lms(out, dates, world)
    inc = _draw_incidents(world)
    incidents = _write_incidents(out, dates, inc)
    knowledge_use = _write_kb_use(out, dates, world, inc)
    del inc  # the largest arrays of all: gone before the search log is drawn
    knowledge_gaps, searches = _write_search(out, dates, world)
    mess["bad_incident_row"] = incidents.pop("bad_row")
    mess["incidents_resolved_before_first_response"] = incidents.pop("resolved_before_first_response")
    mess["vanished_leaver_ids"] = list(world.vanished_leaver_ids)
    opportunities = _write_crm(out, dates, world)

    validate_against_contracts(out.out_dir)
    # The hard worlds' truths, per person from the same draw (effects.truths).
    truths = {key: part.pop("truth") for key, part in (("PRG-SUP ticket_resolution_hours", incidents),
                                                       ("PRG-SAL sales_cycle_days", opportunities)) if "truth" in part}
    truths.update({f"{pid} {AID_KPI}": truth for pid, truth in incidents.pop("aid_truths", {}).items()})
    records = {
        "incidents": incidents,
        "opportunities": opportunities,
        "open_incidents_at_end": incidents.pop("open_at_end"),
        "open_opportunities_at_end": opportunities.pop("open_at_end"),
    }
    summary = _summary(out, world, records, mess)
    summary["truths"] = truths
    summary["knowledge_use"] = knowledge_use
    summary["knowledge_gaps"] = knowledge_gaps
    summary["search"] = searches
    return {"profile": prof.name, "options": prof.options(), **summary}


# --------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------
def _write_hris(out: LandingWriter, dates, workers: list[Worker]) -> None:
    for d in dates:
        out.write_csv("hris", "workers", d, hris_rows(workers, d))


def _write_lms(out: LandingWriter, dates, world: World) -> dict:
    training, seed = world.training, world.seed
    for d in dates:
        out.write_csv("lms", "courses", d, lms.course_rows(d, world.courses))
        out.write_csv("lms", "users", d, lms.user_rows(training.learners, d))

    surveys = lms.survey_rows(substream(seed, "surveys"), training, len(dates))
    for d, rows in zip(dates, surveys):
        out.write_csv("lms", "surveys", d, rows)

    statements, info = xapi.build_statements(substream(seed, "xapi"), training)
    lines = xapi.monthly_lines(substream(seed, "xapi-mess"), statements, len(dates), info)
    names = []
    for m, (d, month_lines) in enumerate(zip(dates, lines)):
        gz = (m + 1) % XAPI_GZIP_EVERY == 0
        out.write_jsonl("lms", "xapi_statements", d, month_lines, gz=gz)
        names.append(out.path("lms", "xapi_statements", d, "jsonl.gz" if gz else "jsonl").name)

    # Name the files that carry the planted mess (the voiding one is seed-dependent).
    info["malformed_xapi_file"] = names[month_index(MALFORMED_XAPI_DATE)]
    info["voiding_xapi_file"] = next(
        name for name, ls in zip(names, lines) if any(info["voiding_statement_id"] in line for line in ls))
    return info


def _draw_incidents(world: World) -> dict:
    agents, prof = world.support_agents, world.profile
    return servicedesk.draw_incidents(
        substream(world.seed, "incidents"), agents, world.training.completion("PRG-SUP"),
        dip=world.dip("ticket_resolution_hours", agents),
        late_rng=substream(world.seed, "incidents-late-first-response"),
        late_share=prof.resolved_before_response_share,
        open_at_end=prof.open_work_at_end,
        ramp=world.ramp(agents, "incidents-ramp"),
        path=world.effect_path("PRG-SUP", "ticket_resolution_hours", agents),
        heavy_tails=prof.heavy_tails,
        aids={pid: world.aid_path(pid, agents) for pid in AID_ARTICLES},
        aid_dips=[d for pid in AID_ARTICLES if (d := world.aid_dip(pid, agents)) is not None],
    )


def _write_incidents(out: LandingWriter, dates, incidents: dict) -> dict:
    bad_row = None
    for m, table, bad in servicedesk.monthly_tables(incidents, len(dates)):
        extra = [(bad["position"], bad["fields"])] if bad else []
        out.write_csv("servicedesk", "incidents", dates[m], table, gz=(dates[m] == INCIDENTS_GZIP_DATE),
                      extra_lines=extra)
        if bad:
            assert dates[m] == BAD_INCIDENT_ROW_DATE != INCIDENTS_GZIP_DATE
            bad_row = {
                "file": out.path("servicedesk", "incidents", dates[m], "csv").name,
                "number": bad["fields"][0],
                "line": bad["position"] + 2,  # 1-based line number, the header being line 1
                "n_fields": len(bad["fields"]),
                "expected_fields": len(csv_columns("servicedesk", "incidents")),
            }
    latest = servicedesk.latest_counts(incidents)
    return {"n_incidents": latest["exported"], "bad_row": bad_row, "open_at_end": latest["open_at_end"],
            "resolved_before_first_response": latest["resolved_before_first_response"],
            **({"truth": incidents["truth"], "aid_truths": incidents["aid_truths"]} if "truth" in incidents else {})}


def _write_kb_use(out: LandingWriter, dates, world: World, inc: dict) -> dict:
    agents = world.support_agents
    kb = aids.build_kb_use(substream(world.seed, "kb-use"), agents, world.workers, inc, world.adoptions)
    for d, table in zip(dates, aids.kb_monthly_tables(kb, len(dates), servicedesk.incident_numbers)):
        out.write_csv("servicedesk", "kb_use", d, table)
    bad_spells = world.aid_dip(next(iter(AID_ARTICLES)), agents) is not None  # only with the profile's dip
    return aids.kb_counts(kb, world.adoptions, len(agents), bad_spells)


def _write_search(out: LandingWriter, dates, world: World) -> tuple[dict, dict]:
    searches = search.build_searches(substream(world.seed, "search"), world.workers)
    for d, table in zip(dates, search.search_monthly_tables(searches, world.workers, len(dates))):
        out.write_csv("search", "queries", d, table)
    return search.search_counts(searches, world.workers)


def _write_crm(out: LandingWriter, dates, world: World) -> dict:
    reps, prof = world.reps, world.profile
    users = crm.CrmUsers(substream(world.seed, "crm-users"), world.sales)
    for d in dates:
        out.write_csv("crm", "users", d, users.rows(d))
    opps = crm.draw_opportunities(
        substream(world.seed, "opportunities"), reps, users.id_of, world.training.completion("PRG-SAL"),
        by_start=prof.effect_by_start, dip=world.dip("sales_cycle_days", reps), open_at_end=prof.open_work_at_end,
        ramp=world.ramp(reps, "opportunities-ramp"),
        path=world.effect_path("PRG-SAL", "sales_cycle_days", reps),
    )
    for d, table in zip(dates, crm.monthly_tables(opps, len(dates))):
        out.write_csv("crm", "opportunities", d, table)
    latest = crm.latest_counts(opps)
    return {"n_opportunities": latest["exported"], "n_deleted": latest["deleted"], "open_at_end": latest["open_at_end"],
            **({"truth": opps["truth"]} if "truth" in opps else {})}


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------
def _summary(out, world: World, records, mess) -> dict:
    workers, training = world.workers, world.training
    programs = {}
    for e in training.enrollments:
        p = programs.setdefault(e.program_id, {"participants": set(), "completers": set(),
                                               "worker_completers": set(), "contractor_participants": set()})
        p["participants"].add(e.learner.email)
        if e.learner.kind == "contractor":
            p["contractor_participants"].add(e.learner.email)
        if e.completed_at:
            p["completers"].add(e.learner.email)
            if e.learner.worker:
                p["worker_completers"].add(e.learner.email)
    return {
        "out_dir": str(out.out_dir),
        "scale": world.scale,
        "seed": world.seed,
        "files_written": len(out.files),
        "files": sorted(out.files),
        "rows": dict(sorted(out.rows.items())),
        "people": {
            "workers": len(workers),
            "support_agents": len(world.support_agents),
            "sales_reps": len(world.reps),
            "lms_users": len(training.learners),
            "new_starters": sum(w.hire_date.year >= 2025 for w in workers),
            "leavers": sum(w.termination_date is not None for w in workers),
            "promotions": sum(w.promotion is not None for w in workers),
            "job_moves": sum(w.move is not None for w in workers),
            "vanished_leavers": sum(w.vanishes for w in workers),
        },
        "programs": {pid: {k: len(v) for k, v in p.items()} for pid, p in sorted(programs.items())},
        # Workers who completed both programs (PRG-MND's windows then hold PRG-SUP's effect).
        "programs_overlap": {"&".join(OVERLAP_PROGRAMS): len(training.completed_both(OVERLAP_PROGRAMS))},
        "unmatched_identities": {  # in LMS/CRM but never in HRIS
            "contractors": sorted(lr.email for lr in training.learners if lr.kind == "contractor"),
            "test_accounts": sorted(lr.email for lr in training.learners if lr.kind == "test"),
            "crm_users": [CRM_INTEGRATION_EMAIL],
        },
        "records": records,
        "mess": mess,
        "onboarding": _onboarding_summary(world),
    }


def _onboarding_summary(world: World) -> dict:
    """New starters, the PRG-ONB / PRG-RET groups, and who of them left within
    12 months (among those hired at least 12 months before PERIOD_END).

    Groups are as the data shows them, after the fact: these raw shares are
    not the programs' effects (PRG-RET participants had to stay 60-120 days to
    register, PRG-ONB completers 10-30 days; PLANTED_PERSON holds the truths)."""
    new = world.new_starters
    target = [w for w in new if w.family in ONBOARDING_FAMILIES]
    onb = {p.worker.idx: p.outcome for p in world.onboarding_plans}
    ret = {p.worker.idx: p.outcome for p in world.retention_plans}

    def onb_group(w: Worker) -> str:
        if w.idx not in onb:
            before = w.hire_date < ONBOARDING_LAUNCH
            return "non_takers_hired_before_launch" if before else "non_takers_hired_after_launch"
        return {COMPLETED: "completers", IN_PROGRESS: "in_progress_at_end"}.get(onb[w.idx], "dropouts")

    def ret_group(w: Worker) -> str:
        return "participants" if w.idx in ret else "non_participants"

    onb_groups = ("completers", "dropouts", "in_progress_at_end", "non_takers_hired_before_launch",
                  "non_takers_hired_after_launch")
    ret_groups = ("participants", "non_participants")
    cohort_end = PERIOD_END - timedelta(days=EARLY_ATTRITION_DAYS)  # hired on or before: 12 months observed

    def left_within(group_of, groups) -> dict:
        out = {g: {"n": 0, "left": 0} for g in groups}
        for w in target:
            if w.hire_date <= cohort_end:
                g = out[group_of(w)]
                g["n"] += 1
                g["left"] += int(w.termination_date is not None
                                 and (w.termination_date - w.hire_date).days < EARLY_ATTRITION_DAYS)
        for g in out.values():
            g["share"] = round(g["left"] / g["n"], 4) if g["n"] else None
        return out

    def mean_ramp(group: str) -> float | None:
        days = [w.ramp_days for w in target if onb_group(w) == group and w.ramp_days > 0]
        return round(float(np.mean(days)), 2) if days else None

    return {
        "launch": ONBOARDING_LAUNCH.isoformat(),
        "new_starters": {f: sum(w.family == f for w in new) for f in FAMILY_SIZES},
        ONBOARDING_PROGRAM: {
            **{g: sum(onb_group(w) == g for w in target) for g in onb_groups},
            # of the dropouts, those who meant to complete but left the company before their completion day
            "dropouts_who_left": sum(o == LEFT for o in onb.values()),
        },
        RETENTION_PROGRAM: {
            "participants": len(ret),
            "completers": sum(o == COMPLETED for o in ret.values()),
            "left_before_completion": sum(o == LEFT for o in ret.values()),
            "in_progress_at_end": sum(o == IN_PROGRESS for o in ret.values()),
            "non_participants": len(target) - len(ret),
        },
        # Planted ramps (days to the tenured rate), by PRG-ONB group; None without the onboarding option.
        "mean_ramp_days": {g: mean_ramp(g) for g in onb_groups},
        "left_within_12_months": {
            "hired_on_or_before": cohort_end.isoformat(),
            ONBOARDING_PROGRAM: left_within(onb_group, onb_groups),
            RETENTION_PROGRAM: left_within(ret_group, ret_groups),
        },
    }
