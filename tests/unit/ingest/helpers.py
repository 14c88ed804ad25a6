"""The ingest engine (dagster_project.ingest): landed files -> raw tables, ledger, quarantine.

Every test builds its own landing folder and DuckDB file under tmp_path. The tests
under "engine bugs" pin bugs found and fixed once, so that they stay fixed.

This module holds what the tests of tests/unit/ingest/ share: the contracts they use,
builders of landed files and rows, and queries of the raw tables, ledger and quarantine.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import duckdb

from dagster_project.ingest import ledger
from dagster_project.ingest.contracts import FeedContract, contract_by_name
from dagster_project.ingest.loader import FeedResult, load_feed

# shared/ sits beside the repository (here and in CI).
XAPI_FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "xapi"

XAPI = contract_by_name("lms__xapi_statements")
INCIDENTS = contract_by_name("servicedesk__incidents")
CRM_USERS = contract_by_name("crm__users")
SURVEYS = contract_by_name("lms__surveys")

META_CSV = ["_file", "_extract_date", "_record_number", "_loaded_at"]
META_JSONL = ["statement_id", "statement", "_file", "_extract_date", "_line_number", "_loaded_at"]
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --------------------------------------------------------------------------- helpers


def columns_of(contract: FeedContract) -> list[str]:
    return [c.name for c in contract.columns]


def feed_folder(landing: Path, contract: FeedContract) -> Path:
    folder = landing / contract.system / contract.feed
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_name(contract: FeedContract, date: str, gz: bool = False) -> str:
    return f"{contract.feed}_{date}.{contract.format}" + (".gz" if gz else "")


def file_key(contract: FeedContract, name: str) -> str:
    return f"landing/{contract.system}/{contract.feed}/{name}"


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def csv_line(values) -> str:
    """One CSV record as written by Python's csv module (quoting as needed), without line end."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()[:-1]


def csv_text(header, rows) -> str:
    return "".join(csv_line(r) + "\n" for r in [header, *rows])


def deliver_csv(landing: Path, contract: FeedContract, date: str, rows, header=None, gz=False) -> Path:
    header = header or columns_of(contract)
    path = feed_folder(landing, contract) / file_name(contract, date, gz)
    return write_bytes(path, csv_text(header, rows).encode())


def deliver_text(landing: Path, contract: FeedContract, date: str, text: str | bytes, gz=False) -> Path:
    data = text.encode() if isinstance(text, str) else text
    return write_bytes(feed_folder(landing, contract) / file_name(contract, date, gz), data)


def deliver_jsonl(landing: Path, contract: FeedContract, date: str, lines, gz=False) -> Path:
    text = "".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines)
    return deliver_text(landing, contract, date, text, gz)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path))


def load(conn, contract: FeedContract, landing: Path) -> FeedResult:
    return load_feed(conn, contract, landing, landing.parent / "unused-config")


def q(conn, sql: str, params=None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


def raw_rows(conn, contract: FeedContract, exclude=("_loaded_at",)) -> list[tuple]:
    columns = f"* exclude ({', '.join(exclude)})" if exclude else "*"
    return q(conn, f"select {columns} from {contract.table} order by all")


def ledger_rows(conn) -> list[tuple]:
    return q(conn, f"select * exclude (loaded_at) from {ledger.LEDGER} order by all")


def quarantine_rows(conn) -> list[tuple]:
    return q(conn, f"select * exclude (quarantined_at) from {ledger.QUARANTINE} order by all")


def quarantine_of(conn, key: str) -> list[tuple]:
    return q(conn, f"select line, raw_text, reason from {ledger.QUARANTINE} where file = ? order by line", [key])


def ledger_entry(conn, key: str) -> list[tuple]:
    return q(
        conn,
        f"select sha256, rows_read, rows_loaded, rows_quarantined from {ledger.LEDGER} where file = ?",
        [key],
    )


def incident(n: int, **overrides) -> list[str]:
    """A valid incident row in contract column order; keyword overrides use '_' for '.'."""
    row = {
        "number": f"INC{n:07d}",
        "sys_id": f"sys-{n}",
        "opened_at": "2023-03-01T08:00:00Z",
        "first_response_at": "2023-03-01T09:30:00+01:00",
        "resolved_at": "2023-03-02 10:00:00",
        "closed_at": "",
        "sys_updated_on": "2023-03-02T10:00:00Z",
        "assigned_to.email": f"agent{n}@example.com",
        "assignment_group": "Service Desk, L1",
        "priority": "2 - High",
        "state": "Resolved",
        "category": 'software "apps"',
        "reopen_count": "0",
        "reassignment_count": str(n % 3),
        "knowledge": "true",
        "u_csat_score": "4",
    }
    for key, value in overrides.items():
        row["assigned_to.email" if key == "assigned_to_email" else key] = value
    assert list(row) == columns_of(INCIDENTS)
    return list(row.values())


def statement(n: int, with_id: bool = True, **extra) -> dict:
    body = {
        "actor": {"objectType": "Agent", "name": f"Learner {n}", "mbox": f"mailto:learner{n}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"id": f"http://lms.example.com/course/{n}", "definition": {"name": {"en-US": f"Course {n}"}}},
        "timestamp": f"2023-03-0{1 + n % 9}T10:00:00+02:00",
        **extra,
    }
    if with_id:
        body["id"] = f"00000000-0000-4000-8000-{n:012d}"
    return body
