"""Nightly runs are incremental and change no number: after appended days (the
generator's --append-day: tickets resolved and opened, deals closed and created,
statements, a new HRIS snapshot), the warehouse that dbt built night by night equals
the one --full-refresh builds from the same raw tables, table by table, marts included.
A withdrawn file, which no new row reveals, makes the incremental models rebuild.
Real ingest and real dbt, on a copy of the session pipeline's warehouse and landing."""

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.ingest.contracts import load_contracts
from dagster_project.ingest.loader import load_feed
from sources.generator.append_day import append_day
from tests.helpers import run_dbt

pytestmark = pytest.mark.integration

INCREMENTAL = ["stg_servicedesk__incidents", "stg_crm__opportunities", "stg_lms__xapi_statements"]
DAYS = [date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 3), date(2026, 7, 4)]


def ingest(settings, landing: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as conn:
        for contract in load_contracts():
            result = load_feed(conn, contract, landing, settings.config_dir)
            assert not result.errors, result.errors


# What differs by design between a warehouse built night by night and a full build:
# when a batch was written, what an event was before the night changed it, the
# censoring frontier a settled period was computed with, and the night's tombstones
# (rows without a person_key) that the next night's consumers have yet to read. An
# event recomputed to the same values is not rewritten, so it keeps the _loaded_at of
# the version it was computed from.
BOOKKEEPING = ["_built_at", "_previous_person_key", "_previous_started_at", "_measurable_until"]
KEEPS_TOMBSTONES = ["intermediate.int_kpis__events", "intermediate.int_kpis__identities"]
EVENT_BOOKKEEPING = {"intermediate.int_kpis__events": ["_loaded_at"]}


def tables(warehouse: Path, schemas=("staging", "intermediate", "marts")) -> dict[str, pd.DataFrame]:
    """Every table of those schemas, with rows in a canonical order, without BOOKKEEPING."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        names = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_schema in {tuple(schemas)} order by 1"
        ).fetchall()
        for (name,) in names:
            where = " where person_key is not null" if name in KEEPS_TOMBSTONES else ""
            frame = conn.execute(f"select * from {name}{where}").df()
            frame = frame.drop(columns=BOOKKEEPING + EVENT_BOOKKEEPING.get(name, []), errors="ignore")
            out[name] = canonical(frame)
    return out


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    # Sorted on floats rounded to 6 decimals: parallel sums may differ in the last bits,
    # which the comparison below tolerates (1e-9 relative).
    keys = pd.DataFrame(
        {c: frame[c].round(6) if pd.api.types.is_float_dtype(frame[c]) else frame[c].astype(str) for c in frame.columns},
        index=frame.index,
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)


def assert_same(nightly: dict, full: dict) -> None:
    assert nightly.keys() == full.keys()
    for name in full:
        pd.testing.assert_frame_equal(nightly[name], full[name], check_exact=False, rtol=1e-9, obj=name)


@pytest.fixture(scope="module")
def nightly(pipeline, small_landing, tmp_path_factory):
    """The session pipeline's warehouse, then four appended days, each ingested and built
    night by night. The first also re-delivers an old extract with a changed row (which
    makes the KPI facts rebuild); the second reopens months-old tickets and reassigns
    others, and builds only the staging tables (a night whose KPI build was skipped);
    the third resolves the long-open tickets, and its HRIS snapshot swaps two agents'
    emails, which re-keys all their tickets; on the fourth, knowledge-article views
    that were used on old tickets are no longer used, or moved to another ticket. Returns what
    each night wrote, for the assertions on the incremental path."""
    root = tmp_path_factory.mktemp("incremental")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    shutil.copytree(small_landing, landing)
    shutil.copy(pipeline.settings.warehouse_path, warehouse)
    changes = {0: redeliver_old_extract_changed, 1: reopen_and_reassign, 2: resolve_long_open_and_swap_emails,
               3: unuse_and_move_article_views}
    written = {}
    for night, day in enumerate(DAYS):
        append_day(landing, day)
        if night in changes:
            changes[night](landing, day)
        ingest(pipeline.settings, landing, warehouse)
        selection = ["--select", *INCREMENTAL] if night == 1 else []
        run_dbt(pipeline.settings, warehouse, root / f"night-{night}", "run", *selection)
        written[night] = night_batches(warehouse)
    return root, landing, warehouse, written


def night_batches(warehouse: Path) -> dict:
    """What the KPI facts' newest batch wrote, against their size."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        def newest(table, condition="true"):
            return conn.execute(
                f"select count(*) filter (where _built_at = (select max(_built_at) from {table}) and {condition}), "
                f"count(*) from {table}"
            ).fetchall()[0]
        return {
            "staging_batches": conn.execute(
                "select count(distinct _built_at) from staging.stg_servicedesk__incidents").fetchall()[0][0],
            "events": newest("intermediate.int_kpis__events"),
            "moved_events": newest("intermediate.int_kpis__events", "_previous_person_key <> person_key")[0],
            "identities": newest("intermediate.int_kpis__identities", "source_system = 'servicedesk_assignee'")[0],
            "other_identities": newest(
                "intermediate.int_kpis__identities", "source_system not in ('servicedesk_assignee', 'search_user')")[0],
            "person_weeks": newest("intermediate.int_kpis__person_weeks"),
        }


# As extracts are: every value a string; the sample's planted bad rows skipped.
READ_CSV = "all_varchar = true, union_by_name = true, delim = ',', quote = '\"', header = true, ignore_errors = true"


def incident_files(landing: Path) -> list[str]:
    return sorted(str(p) for p in (landing / "servicedesk" / "incidents").glob("incidents_*.csv*"))


def latest_incident_versions(landing: Path, where: str, limit: int) -> list[dict]:
    with duckdb.connect() as conn:
        frame = conn.execute(
            f"""select * exclude (version, filename) from (
                    select *, row_number() over (partition by sys_id order by sys_updated_on desc) as version
                    from read_csv({incident_files(landing)}, {READ_CSV}, filename = true)
                ) where version = 1 and {where} order by sys_id limit {limit}"""
        ).df()
    return frame.fillna("").to_dict("records")


def append_incident_versions(landing: Path, day: date, rows: list[dict]) -> None:
    path = landing / "servicedesk" / "incidents" / f"incidents_{day}.csv"
    with path.open(newline="") as handle:
        fields = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields, lineterminator="\n").writerows(rows)


def reopen_and_reassign(landing: Path, day: date) -> None:
    """Months-old tickets reopened today (open again, so counted at the cap); other old
    tickets moved to another agent."""
    stamp = f"{day}T10:00:00Z"
    old = latest_incident_versions(landing, f"resolved_at is not null and opened_at < '{day - timedelta(days=90)}'", 21)
    reopened = [{**row, "resolved_at": "", "closed_at": "", "state": "In Progress", "sys_updated_on": stamp,
                 "reopen_count": str(int(row["reopen_count"] or 0) + 1)} for row in old[:15]]
    agents = [row["assigned_to.email"] for row in old[15:]]
    moved = [{**row, "assigned_to.email": agents[(i + 1) % len(agents)], "sys_updated_on": stamp}
             for i, row in enumerate(old[15:])]
    append_incident_versions(landing, day, reopened + moved)


def resolve_long_open_and_swap_emails(landing: Path, day: date) -> None:
    """The tickets open for months resolved today; and two agents' emails swapped."""
    stamp = f"{day}T09:00:00Z"
    long_open = latest_incident_versions(
        landing, f"resolved_at is null and opened_at < '{day - timedelta(days=60)}'", limit=50)
    assert long_open, "the night before must have reopened old tickets"
    append_incident_versions(landing, day, [{**row, "resolved_at": stamp, "state": "Resolved", "sys_updated_on": stamp}
                                            for row in long_open])
    swap_agent_emails(landing, day)


def swap_agent_emails(landing: Path, day: date) -> None:
    """Two support agents swap work emails in today's snapshot: each email, and every
    ticket ever assigned to it, now resolves to the other person."""
    path = landing / "hris" / "workers" / f"workers_{day}.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with duckdb.connect() as conn:
        busy = {email for (email,) in conn.execute(
            f"select distinct \"assigned_to.email\" from read_csv({incident_files(landing)}, {READ_CSV})"
        ).fetchall()}
    agents = [r for r in rows if r["Job_Family"] == "Customer Support" and not r["Termination_Date"]
              and r["Work_Email"] in busy][:2]
    assert len(agents) == 2
    agents[0]["Work_Email"], agents[1]["Work_Email"] = agents[1]["Work_Email"], agents[0]["Work_Email"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def unuse_and_move_article_views(landing: Path, day: date) -> None:
    """Views of articles used on old tickets, updated today: some no longer used (their
    ticket loses its first article, or gets a later one), some moved to another ticket."""
    files = sorted(str(p) for p in (landing / "servicedesk" / "kb_use").glob("kb_use_*.csv*"))
    with duckdb.connect() as conn:
        used = conn.execute(
            f"""select * exclude (version) from (
                    select *, row_number() over (partition by sys_id order by sys_updated_on desc) as version
                    from read_csv({files}, {READ_CSV})
                ) where version = 1 and used = 'true' and incident <> '' and viewed_on < '{day - timedelta(days=60)}'
                order by sys_id limit 30"""
        ).df().fillna("").to_dict("records")
    assert len(used) == 30
    stamp = f"{day}T11:00:00Z"
    unused = [{**row, "used": "false", "incident": "", "sys_updated_on": stamp} for row in used[:15]]
    tickets = [row["incident"] for row in used[15:]]
    moved = [{**row, "incident": tickets[(i + 1) % len(tickets)], "sys_updated_on": stamp}
             for i, row in enumerate(used[15:])]
    path = landing / "servicedesk" / "kb_use" / f"kb_use_{day}.csv"
    with path.open(newline="") as handle:
        fields = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields, lineterminator="\n").writerows(unused + moved)


def redeliver_old_extract_changed(landing: Path, day: date) -> None:
    """An old monthly extract delivered again with one ticket's rating corrected: ingest
    retracts the old file's rows, which no new row reveals."""
    path = landing / "servicedesk" / "incidents" / "incidents_2025-11-30.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rated = next(r for r in rows if r["u_csat_score"] and r["resolved_at"])
    rated["u_csat_score"] = "5" if rated["u_csat_score"] != "5" else "1"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def full_refresh_of(pipeline, warehouse: Path, work: Path, *selection: str) -> Path:
    work.mkdir(parents=True)
    copy = work / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    run_dbt(pipeline.settings, copy, work, "run", "--full-refresh", *selection)
    return copy


def test_nightly_runs_build_the_same_warehouse_as_a_full_refresh(pipeline, nightly):
    root, _, warehouse, _ = nightly
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        new_tickets = conn.execute(
            "select count(*) from staging.stg_servicedesk__incidents where cast(opened_at as date) = ?", [DAYS[-1]]
        ).fetchall()
    assert new_tickets[0][0] > 0
    full = full_refresh_of(pipeline, warehouse, root / "full")
    assert_same(tables(warehouse), tables(full))


def test_a_night_writes_only_the_kpi_facts_it_changed(nightly):
    *_, written = nightly
    # A changed re-delivery retracts rows no new row reveals: the KPI facts rebuild.
    assert written[0]["events"][0] == written[0]["events"][1]
    # Incremental indeed: the later nights' staging batches sit beside the rebuild's.
    assert written[3]["staging_batches"] >= 3
    # The third night (two nights' tickets, long-open tickets resolved, the email swap):
    # the swap re-keys the two agents' events, and only theirs (as assignees, and as
    # searchers when they search).
    assert written[2]["identities"] == 2 and written[2]["other_identities"] == 0
    assert written[2]["moved_events"] > 0
    for night in (2, 3):
        events_written, events_total = written[night]["events"]
        weeks_written, weeks_total = written[night]["person_weeks"]
        assert 0 < events_written < 0.05 * events_total
        assert 0 < weeks_written < 0.05 * weeks_total


def test_a_withdrawn_file_makes_the_incremental_models_rebuild(pipeline, nightly):
    root, landing, warehouse, _ = nightly
    withdrawn = landing / "servicedesk" / "incidents" / f"incidents_{DAYS[-1]}.csv"
    withdrawn.unlink()
    ingest(pipeline.settings, landing, warehouse)  # retracts the file's rows from raw
    run_dbt(pipeline.settings, warehouse, root / "after-withdrawal", "run")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        gone = conn.execute(
            "select count(*) from staging.stg_servicedesk__incidents where cast(opened_at as date) = ?", [DAYS[-1]]
        ).fetchall()
    assert gone[0][0] == 0, "the withdrawn day's tickets must leave the staging table"
    full = full_refresh_of(pipeline, warehouse, root / "full-after-withdrawal")
    assert_same(tables(warehouse), tables(full))
