"""generate(): build the simulated world and write the landing folder."""

from __future__ import annotations

from pathlib import Path

from . import crm, lms, servicedesk, xapi
from .common import extract_dates, month_index, substream
from .constants import (
    BAD_INCIDENT_ROW_DATE, CRM_INTEGRATION_EMAIL, INCIDENTS_GZIP_DATE, MALFORMED_XAPI_DATE, SCALES, XAPI_GZIP_EVERY,
)
from .contracts import csv_columns, validate_against_contracts
from .people import Worker, build_workers, hris_rows
from .training import Training, plan_training
from .writers import LandingWriter


def generate(out_dir: str | Path, scale: str = "small", seed: int = 7) -> dict:
    """Write the sample landing folder under out_dir and return a summary.

    The same (scale, seed) always gives byte-identical files: every draw comes
    from seeded numpy streams, nothing reads the clock, gzip headers carry
    mtime 0. Existing files of the same name are replaced.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    seed = int(seed)
    dates = extract_dates()
    out = LandingWriter(out_dir)

    workers = build_workers(substream(seed, "workers"), SCALES[scale])
    training = plan_training(substream(seed, "training"), workers)
    support_agents = [w for w in workers if w.family == "Customer Support" and w.role == "ic"]
    sales = [w for w in workers if w.family == "Sales"]
    reps = [w for w in sales if w.role == "ic"]

    _write_hris(out, dates, workers)
    mess = _write_lms(out, dates, training, seed)
    incidents = _write_incidents(out, dates, support_agents, training, seed)
    mess["bad_incident_row"] = incidents.pop("bad_row")
    opportunities = _write_crm(out, dates, sales, reps, training, seed)

    validate_against_contracts(out.out_dir)
    return _summary(out, scale, seed, workers, support_agents, reps, training,
                    {"incidents": incidents, "opportunities": opportunities}, mess)


# --------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------
def _write_hris(out: LandingWriter, dates, workers: list[Worker]) -> None:
    for d in dates:
        out.write_csv("hris", "workers", d, hris_rows(workers, d))


def _write_lms(out: LandingWriter, dates, training: Training, seed: int) -> dict:
    for d in dates:
        out.write_csv("lms", "courses", d, lms.course_rows(d))
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


def _write_incidents(out: LandingWriter, dates, agents: list[Worker], training: Training, seed: int) -> dict:
    rng = substream(seed, "incidents")
    incidents = servicedesk.draw_incidents(rng, agents, training.completion("PRG-SUP"))
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
    return {"n_incidents": len(incidents["agent"]), "bad_row": bad_row}


def _write_crm(out: LandingWriter, dates, sales, reps, training: Training, seed: int) -> dict:
    users = crm.CrmUsers(substream(seed, "crm-users"), sales)
    for d in dates:
        out.write_csv("crm", "users", d, users.rows(d))
    opps = crm.draw_opportunities(substream(seed, "opportunities"), reps, users.id_of, training.completion("PRG-SAL"))
    for d, table in zip(dates, crm.monthly_tables(opps, len(dates))):
        out.write_csv("crm", "opportunities", d, table)
    return {"n_opportunities": len(opps["Id"]), "n_deleted": int(opps["deleted"].sum())}


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------
def _summary(out, scale, seed, workers, agents, reps, training: Training, records, mess) -> dict:
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
        "scale": scale,
        "seed": seed,
        "files_written": len(out.files),
        "files": sorted(out.files),
        "rows": dict(sorted(out.rows.items())),
        "people": {
            "workers": len(workers),
            "support_agents": len(agents),
            "sales_reps": len(reps),
            "lms_users": len(training.learners),
            "new_starters": sum(w.hire_date.year >= 2025 for w in workers),
            "leavers": sum(w.termination_date is not None for w in workers),
            "promotions": sum(w.promotion is not None for w in workers),
        },
        "programs": {pid: {k: len(v) for k, v in p.items()} for pid, p in sorted(programs.items())},
        "unmatched_identities": {  # in LMS/CRM but never in HRIS
            "contractors": sorted(lr.email for lr in training.learners if lr.kind == "contractor"),
            "test_accounts": sorted(lr.email for lr in training.learners if lr.kind == "test"),
            "crm_users": [CRM_INTEGRATION_EMAIL],
        },
        "records": records,
        "mess": mess,
    }
