"""The ingest engine (dagster_project.ingest): landed files -> raw tables, ledger, quarantine.

Every test builds its own landing folder and DuckDB file under tmp_path. Tests marked
xfail(strict=True) demonstrate a known engine bug; they start passing (and so fail the
suite) once the bug is fixed, at which point the marker should be removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import ledger, loader
from dagster_project.ingest.contracts import FeedContract, contract_by_name
from dagster_project.ingest.loader import FeedFailed, FeedResult, load_feed

# shared/ sits beside the repository (here and in CI).
XAPI_FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "xapi"

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


# --------------------------------------------------------------------------- xAPI fixtures


def test_valid_xapi_fixture_statements_all_load(tmp_path):
    landing = tmp_path / "landing"
    shutil.copy(XAPI_FIXTURES / "valid.jsonl", feed_folder(landing, XAPI) / file_name(XAPI, "2024-01-01"))
    fixture_lines = (XAPI_FIXTURES / "valid.jsonl").read_text().splitlines()
    assert len(fixture_lines) == 12
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, XAPI, landing)

    key = file_key(XAPI, file_name(XAPI, "2024-01-01"))
    assert [(f.key, f.status, f.rows_loaded, f.rows_quarantined) for f in result.files] == [(key, "loaded", 12, 0)]
    assert quarantine_rows(conn) == []
    assert [r[0] for r in q(conn, f"describe {XAPI.table}")] == META_JSONL
    rows = q(conn, f"select _line_number, statement_id, statement, _file, _extract_date from {XAPI.table} order by 1")
    assert [r[0] for r in rows] == list(range(1, 13))
    assert len({r[1] for r in rows}) == 12, "every statement has its own id"
    assert all(UUID_SHAPE.match(r[1]) for r in rows)
    # The statement text is kept as delivered, and an id the statement carries is kept.
    for (_, statement_id, text, file, extract_date), line in zip(rows, fixture_lines):
        assert text == line
        assert file == key and extract_date == dt.date(2024, 1, 1)
        if "id" in json.loads(line):
            assert statement_id == json.loads(line)["id"]
    assert ledger_entry(conn, key)[0][1:] == (12, 12, 0)


def test_invalid_xapi_fixture_statements_are_quarantined_with_their_reason(tmp_path):
    landing = tmp_path / "landing"
    shutil.copy(XAPI_FIXTURES / "invalid.jsonl", feed_folder(landing, XAPI) / file_name(XAPI, "2024-01-01"))
    lines = (XAPI_FIXTURES / "invalid.jsonl").read_text().splitlines()
    reasons = (XAPI_FIXTURES / "invalid-reasons.txt").read_text().splitlines()
    assert len(lines) == len(reasons) == 7
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, XAPI, landing)

    key = file_key(XAPI, file_name(XAPI, "2024-01-01"))
    assert (result.rows_loaded, result.rows_quarantined) == (0, 7)
    assert raw_rows(conn, XAPI) == []
    assert quarantine_of(conn, key) == [(i, line, reason) for i, (line, reason) in enumerate(zip(lines, reasons), 1)]
    assert q(conn, f"select distinct feed from {ledger.QUARANTINE}") == [(XAPI.name,)]
    assert ledger_entry(conn, key)[0][1:] == (7, 0, 7)


def test_statement_without_id_gets_a_deterministic_id(tmp_path):
    valid = (XAPI_FIXTURES / "valid.jsonl").read_text().splitlines()
    without_id = [ln for ln in valid if "id" not in json.loads(ln)]
    assert len(without_id) >= 5

    def ids_by_text(landing: Path, db: Path, date: str, lines: list[str]) -> dict[str, str]:
        deliver_jsonl(landing, XAPI, date, lines)
        conn = connect(db)
        load(conn, XAPI, landing)
        return dict(q(conn, f"select statement, statement_id from {XAPI.table}"))

    first = ids_by_text(tmp_path / "a", tmp_path / "a.duckdb", "2024-01-01", without_id)
    # Same statements, other order, other file name, other database: same ids.
    second = ids_by_text(tmp_path / "b", tmp_path / "b.duckdb", "2024-06-30", list(reversed(without_id)))
    assert first == second
    assert len(set(first.values())) == len(without_id)
    assert all(UUID_SHAPE.match(i) for i in first.values())

    # Different content (one character of the verb display), different id.
    changed = without_id[0].replace('"attended"', '"Attended"', 1)
    assert changed != without_id[0]
    third = ids_by_text(tmp_path / "c", tmp_path / "c.duckdb", "2024-01-01", [changed])
    assert third[changed] not in set(first.values())

    # A statement that carries an id keeps it.
    fourth = ids_by_text(tmp_path / "d", tmp_path / "d.duckdb", "2024-01-01", [json.dumps(statement(7))])
    assert list(fourth.values()) == [statement(7)["id"]]


# --------------------------------------------------------------------------- re-deliveries


@pytest.mark.parametrize("contract", [INCIDENTS, XAPI], ids=["csv", "jsonl"])
def test_redelivered_file_with_same_bytes_is_not_loaded_twice(tmp_path, contract):
    landing = tmp_path / "landing"
    if contract is XAPI:
        path = deliver_jsonl(landing, XAPI, "2024-01-01", [statement(1), statement(2, with_id=False), "{broken"])
    else:
        path = deliver_csv(landing, INCIDENTS, "2024-01-01", [incident(1), incident(2), incident(3, opened_at="x")])
    conn = connect(tmp_path / "w.duckdb")
    first = load(conn, contract, landing)
    assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in first.files] == [("loaded", 2, 1)]
    before = (raw_rows(conn, contract, exclude=()), quarantine_rows(conn), q(conn, f"select * from {ledger.LEDGER}"))

    second = load(conn, contract, landing)
    # The same bytes written again (new mtime) are still the same file.
    path.write_bytes(path.read_bytes())
    third = load(conn, contract, landing)

    for result in (second, third):
        assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in result.files] == [("skipped", 0, 0)]
        assert result.table_rows == 2 and result.quarantined_total == 1
    after = (raw_rows(conn, contract, exclude=()), quarantine_rows(conn), q(conn, f"select * from {ledger.LEDGER}"))
    assert after == before, "nothing was touched, not even timestamps"


def test_redelivered_file_with_changed_bytes_replaces_its_rows(tmp_path):
    landing = tmp_path / "landing"
    conn = connect(tmp_path / "w.duckdb")
    other = deliver_csv(landing, INCIDENTS, "2024-01-01", [incident(100)])
    deliver_csv(
        landing, INCIDENTS, "2024-01-02",
        [incident(1), incident(2), incident(3), incident(4, opened_at="garbage"), incident(5)[:3]],
    )
    load(conn, INCIDENTS, landing)
    key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-02"))
    assert ledger_entry(conn, key)[0][1:] == (5, 3, 2)
    assert len(quarantine_of(conn, key)) == 2

    new_path = deliver_csv(landing, INCIDENTS, "2024-01-02", [incident(7, state="Closed"), incident(8)])
    result = load(conn, INCIDENTS, landing)

    assert {(f.key, f.status) for f in result.files} == {
        (file_key(INCIDENTS, other.name), "skipped"),
        (key, "replaced"),
    }
    assert q(conn, f"select number, state from {INCIDENTS.table} where _file = ? order by 1", [key]) == [
        ("INC0000007", "Closed"),
        ("INC0000008", "Resolved"),
    ]
    assert q(conn, f"select _record_number from {INCIDENTS.table} where _file = ? order by 1", [key]) == [(1,), (2,)]
    assert q(conn, f"select number from {INCIDENTS.table} where _file <> ?", [key]) == [("INC0000100",)]
    assert ledger_entry(conn, key) == [(hashlib.sha256(new_path.read_bytes()).hexdigest(), 2, 2, 0)]
    assert q(conn, f"select size_bytes from {ledger.LEDGER} where file = ?", [key]) == [(new_path.stat().st_size,)]
    assert quarantine_of(conn, key) == [], "the old version's quarantine rows are gone"
    assert result.table_rows == 3 and result.quarantined_total == 0


def test_redelivered_jsonl_with_changed_bytes_replaces_its_statements_and_quarantine(tmp_path):
    landing = tmp_path / "landing"
    conn = connect(tmp_path / "w.duckdb")
    deliver_jsonl(landing, XAPI, "2024-01-01", [statement(1), "not json", statement(2)])
    load(conn, XAPI, landing)
    deliver_jsonl(landing, XAPI, "2024-01-01", [statement(3)])

    result = load(conn, XAPI, landing)

    assert [f.status for f in result.files] == ["replaced"]
    assert q(conn, f"select statement_id, _line_number from {XAPI.table}") == [(statement(3)["id"], 1)]
    assert quarantine_rows(conn) == []
    assert [r[1:] for r in ledger_rows(conn)] == [
        (XAPI.name, dt.date(2024, 1, 1), len(json.dumps(statement(3))) + 1,
         hashlib.sha256((json.dumps(statement(3)) + "\n").encode()).hexdigest(), 1, 1, 0)
    ]


# --------------------------------------------------------------------------- order, crashes, compression


def _dated_deliveries(contract: FeedContract):
    """Three extract dates; each file has good rows and one bad row."""
    if contract is XAPI:
        return {
            "2024-01-01": [statement(1), statement(2, with_id=False), "{oops"],
            "2024-01-05": [statement(3), "[1, 2]", statement(1)],  # statement 1 again: kept per file
            "2024-02-10": [statement(4, with_id=False), {"verb": {"id": "x"}, "object": {"id": "y"}}],
        }
    return {
        "2024-01-01": [incident(1), incident(2), incident(3, knowledge="perhaps")],
        "2024-01-05": [incident(1, state="Closed"), incident(4)[:-2]],
        "2024-02-10": [incident(5), incident(6, reopen_count="many")],
    }


def _deliver(landing: Path, contract: FeedContract, date: str, rows, gz=False) -> Path:
    if contract is XAPI:
        return deliver_jsonl(landing, contract, date, rows, gz=gz)
    return deliver_csv(landing, contract, date, rows, gz=gz)


@pytest.mark.parametrize("contract", [INCIDENTS, XAPI], ids=["csv", "jsonl"])
def test_out_of_order_delivery_ends_in_the_same_raw_tables(tmp_path, contract):
    deliveries = _dated_deliveries(contract)

    in_order = tmp_path / "in-order"
    conn_a = connect(tmp_path / "a.duckdb")
    for date in sorted(deliveries):
        _deliver(in_order, contract, date, deliveries[date])
        load(conn_a, contract, in_order)

    late = tmp_path / "late"
    conn_b = connect(tmp_path / "b.duckdb")
    for date in sorted(deliveries, reverse=True):
        _deliver(late, contract, date, deliveries[date])
        load(conn_b, contract, late)

    assert raw_rows(conn_b, contract) == raw_rows(conn_a, contract)
    assert len(raw_rows(conn_a, contract)) == (5 if contract is XAPI else 4)
    assert ledger_rows(conn_b) == ledger_rows(conn_a)
    assert quarantine_rows(conn_b) == quarantine_rows(conn_a)
    assert len(quarantine_rows(conn_a)) == 3


@pytest.mark.parametrize(
    "crash_point",
    ["before_the_file", "after_staging", "after_inserting_before_ledger"],
)
@pytest.mark.parametrize("contract", [INCIDENTS, XAPI], ids=["csv", "jsonl"])
def test_crash_between_files_then_rerun_equals_a_single_run(tmp_path, monkeypatch, contract, crash_point):
    deliveries = _dated_deliveries(contract)
    landing = tmp_path / "landing"
    for date, rows in deliveries.items():
        _deliver(landing, contract, date, rows)
    dates = sorted(deliveries)
    first_key, crash_key = (file_key(contract, file_name(contract, d)) for d in dates[:2])

    # A clean single run, for reference.
    clean = connect(tmp_path / "clean.duckdb")
    load(clean, contract, landing)

    class SimulatedCrash(Exception):
        pass

    if crash_point == "before_the_file":
        real = loader.load_file

        def patched(conn, c, landed):
            if landed.key == crash_key:
                raise SimulatedCrash(landed.key)
            return real(conn, c, landed)

        monkeypatch.setattr(loader, "load_file", patched)
    elif crash_point == "after_staging":
        real = loader.stage

        def patched(conn, c, landed, *args):
            real(conn, c, landed, *args)
            if landed.key == crash_key:
                raise SimulatedCrash(landed.key)

        monkeypatch.setattr(loader, "stage", patched)
    else:
        real = ledger.record_file

        def patched(conn, **entry):
            if entry["file"] == crash_key:
                # The file's rows are already in the raw table and quarantine at this point.
                assert q(conn, f"select count(*) from {contract.table} where _file = ?", [crash_key])[0][0] > 0
                raise SimulatedCrash(entry["file"])
            return real(conn, **entry)

        monkeypatch.setattr(ledger, "record_file", patched)

    db = tmp_path / "crashy.duckdb"
    conn = connect(db)
    with pytest.raises(SimulatedCrash):
        load(conn, contract, landing)
    conn.close()
    monkeypatch.undo()

    # After the crash: the first file is committed, the crashed one left no trace.
    conn = connect(db)
    assert [r[0] for r in ledger_rows(conn)] == [first_key]
    assert {r[0] for r in q(conn, f"select distinct _file from {contract.table}")} == {first_key}
    assert {r[0] for r in q(conn, f"select distinct file from {ledger.QUARANTINE}")} == {first_key}

    rerun = load(conn, contract, landing)

    assert [f.status for f in rerun.files] == ["skipped", "loaded", "loaded"]
    assert raw_rows(conn, contract) == raw_rows(clean, contract)
    assert ledger_rows(conn) == ledger_rows(clean)
    assert quarantine_rows(conn) == quarantine_rows(clean)


@pytest.mark.parametrize("contract", [INCIDENTS, XAPI], ids=["csv", "jsonl"])
def test_gzip_files_load_like_plain_ones(tmp_path, contract):
    deliveries = _dated_deliveries(contract)
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    for date, rows in deliveries.items():
        _deliver(plain, contract, date, rows)
        path = _deliver(packed, contract, date, rows, gz=True)
        assert path.name.endswith(f".{contract.format}.gz") and path.read_bytes()[:2] == b"\x1f\x8b"
    conn_plain, conn_packed = connect(tmp_path / "plain.duckdb"), connect(tmp_path / "packed.duckdb")

    result_plain = load(conn_plain, contract, plain)
    result_packed = load(conn_packed, contract, packed)

    assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in result_packed.files] == [
        (f.status, f.rows_loaded, f.rows_quarantined) for f in result_plain.files
    ]
    assert raw_rows(conn_packed, contract, exclude=("_file", "_loaded_at")) == raw_rows(
        conn_plain, contract, exclude=("_file", "_loaded_at")
    )
    assert {r[0] for r in q(conn_packed, f"select _file from {contract.table}")} == {
        file_key(contract, file_name(contract, d, gz=True)) for d in deliveries
    }
    strip = "select line, raw_text, reason from raw._quarantine order by all"
    assert q(conn_packed, strip) == q(conn_plain, strip) and len(q(conn_plain, strip)) == 3
    ledger_counts = "select extract_date, rows_read, rows_loaded, rows_quarantined from raw._file_ledger order by 1"
    assert q(conn_packed, ledger_counts) == q(conn_plain, ledger_counts)
    # The ledger hashes the delivered (compressed) bytes.
    for path in sorted(feed_folder(packed, contract).iterdir()):
        assert ledger_entry(conn_packed, file_key(contract, path.name))[0][0] == hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
    # Unchanged compressed files are skipped too.
    assert {f.status for f in load(conn_packed, contract, packed).files} == {"skipped"}


# --------------------------------------------------------------------------- headers


def test_missing_required_column_fails_the_feed_naming_file_and_columns(tmp_path):
    landing = tmp_path / "landing"
    deliver_csv(landing, INCIDENTS, "2024-01-01", [incident(1)])
    header = [c for c in columns_of(INCIDENTS) if c not in ("priority", "u_csat_score")]
    drop = [columns_of(INCIDENTS).index("priority"), columns_of(INCIDENTS).index("u_csat_score")]
    bad_rows = [[v for i, v in enumerate(incident(2)) if i not in drop]]
    deliver_csv(landing, INCIDENTS, "2024-01-02", bad_rows, header=header)
    deliver_csv(landing, INCIDENTS, "2024-01-03", [incident(3), incident(4)])
    bad_key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-02"))
    conn = connect(tmp_path / "w.duckdb")

    with pytest.raises(FeedFailed) as failed:
        load(conn, INCIDENTS, landing)

    message = str(failed.value)
    assert bad_key in message
    assert "priority" in message and "u_csat_score" in message
    assert INCIDENTS.name in message
    # The failure names only the missing columns; the contract's full list follows it.
    assert "assignment_group" not in message.split("The contract")[0], "only the missing columns are named"
    assert "sources/contracts/servicedesk__incidents.yml" in message
    # The feed's good files are loaded, the bad one left no trace.
    result = failed.value.result
    assert [(f.key[-14:], f.status) for f in result.files] == [("2024-01-01.csv", "loaded"), ("2024-01-03.csv", "loaded")]
    assert len(result.errors) == 1 and bad_key in result.errors[0]
    assert q(conn, f"select number from {INCIDENTS.table} order by 1") == [("INC0000001",), ("INC0000003",), ("INC0000004",)]
    assert ledger_entry(conn, bad_key) == []
    assert quarantine_rows(conn) == []
    assert result.table_rows == 3

    # The feed keeps failing until the file is fixed; a corrected re-delivery then loads.
    with pytest.raises(FeedFailed):
        load(conn, INCIDENTS, landing)
    deliver_csv(landing, INCIDENTS, "2024-01-02", [incident(2)])
    fixed = load(conn, INCIDENTS, landing)
    assert [f.status for f in fixed.files] == ["skipped", "loaded", "skipped"]
    assert fixed.table_rows == 4


def test_changed_redelivery_missing_a_column_keeps_the_previous_version(tmp_path):
    landing = tmp_path / "landing"
    conn = connect(tmp_path / "w.duckdb")
    deliver_csv(landing, CRM_USERS, "2024-01-01", [["u1", "a@example.com", "true"]])
    load(conn, CRM_USERS, landing)
    deliver_csv(landing, CRM_USERS, "2024-01-01", [["u2", "b@example.com"]], header=["Id", "Email"])

    with pytest.raises(FeedFailed, match="IsActive"):
        load(conn, CRM_USERS, landing)

    assert q(conn, f"select Id from {CRM_USERS.table}") == [("u1",)]
    assert len(ledger_rows(conn)) == 1


def test_extra_unknown_columns_are_ignored(tmp_path):
    landing = tmp_path / "landing"
    # Extra columns before, between and after the contract's ones, and the contract's in another order.
    header = ["Legacy", "IsActive", "Id", "Unknown, with comma", "Email", "Tail"]
    rows = [
        ["x", "true", "u1", "1", "a@example.com", "zz"],
        ["", "false", "u2", "", "b@example.com", ""],
        ["not a number, nor anything", "true", "u3", "3 \"quoted\"", "c@example.com", "é"],
    ]
    deliver_csv(landing, CRM_USERS, "2024-01-01", rows, header=header)
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, CRM_USERS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert [r[0] for r in q(conn, f"describe {CRM_USERS.table}")] == columns_of(CRM_USERS) + META_CSV
    assert q(conn, f"select Id, Email, IsActive, _record_number from {CRM_USERS.table} order by 1") == [
        ("u1", "a@example.com", True, 1),
        ("u2", "b@example.com", False, 2),
        ("u3", "c@example.com", True, 3),
    ]


# --------------------------------------------------------------------------- bad rows


def test_row_with_wrong_column_count_or_bad_timestamp_is_quarantined_with_line_number(tmp_path):
    landing = tmp_path / "landing"
    lines = [
        csv_line(columns_of(INCIDENTS)),  # 1
        csv_line(incident(1)),  # 2
        csv_line(incident(2)[:-3]),  # 3: 13 of 16 columns
        csv_line(incident(3)),  # 4
        csv_line(incident(4) + ["surplus"]),  # 5: 17 columns
        csv_line(incident(5, opened_at="2024-02-30T25:61:00Z")),  # 6: impossible timestamp
        csv_line(incident(6, sys_updated_on="last tuesday")),  # 7: not a timestamp
        csv_line(incident(7, reopen_count="two")),  # 8: not an integer
        csv_line(incident(8, knowledge="perhaps")),  # 9: not a boolean
        csv_line(incident(9)),  # 10
    ]
    deliver_text(landing, INCIDENTS, "2024-01-01", "\n".join(lines) + "\n")
    key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01"))
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, INCIDENTS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (3, 6)
    quarantined = quarantine_of(conn, key)
    assert [(line, raw) for line, raw, _ in quarantined] == [(n, lines[n - 1]) for n in (3, 5, 6, 7, 8, 9)]
    reasons = {line: reason for line, _, reason in quarantined}
    assert "MISSING COLUMNS" in reasons[3] and "Found: 13" in reasons[3]
    assert "TOO MANY COLUMNS" in reasons[5]
    assert "opened_at" in reasons[6] and "2024-02-30T25:61:00Z" in reasons[6]
    assert "sys_updated_on" in reasons[7] and "last tuesday" in reasons[7]
    assert "reopen_count" in reasons[8] and "two" in reasons[8]
    assert "knowledge" in reasons[9] and "perhaps" in reasons[9]
    assert q(conn, f"select number, _record_number from {INCIDENTS.table} order by 2") == [
        ("INC0000001", 1), ("INC0000003", 2), ("INC0000009", 3),
    ]
    assert ledger_entry(conn, key)[0][1:] == (9, 3, 6)


def test_timestamps_are_stored_as_utc_and_empty_values_as_null(tmp_path):
    landing = tmp_path / "landing"
    deliver_csv(landing, INCIDENTS, "2024-01-01", [incident(1, u_csat_score="")])
    conn = connect(tmp_path / "w.duckdb")

    load(conn, INCIDENTS, landing)

    assert q(conn, f"select opened_at, first_response_at, resolved_at, closed_at, u_csat_score from {INCIDENTS.table}") == [
        (dt.datetime(2023, 3, 1, 8, 0), dt.datetime(2023, 3, 1, 8, 30), dt.datetime(2023, 3, 2, 10, 0), None, None)
    ]
    assert dict(q(conn, f"select column_name, column_type from (describe {INCIDENTS.table})"))["opened_at"] == "TIMESTAMP"


def test_malformed_json_line_is_quarantined_and_later_lines_keep_their_line_numbers(tmp_path):
    landing = tmp_path / "landing"
    good = [json.dumps(statement(n)) for n in range(1, 6)]
    lines = [
        good[0],  # 1
        good[1][: len(good[1]) // 2],  # 2: truncated
        good[1],  # 3
        "",  # 4: blank, skipped
        "this is not json at all",  # 5
        good[2],  # 6
        "[1, 2, 3]",  # 7: not an object
        '{"actor": {"mbox": "mailto:x@example.com"}, "verb": {"id": "http://v"}}',  # 8: no object
        "   ",  # 9: blank (spaces), skipped
        good[3],  # 10
        '{"unterminated": "string',  # 11
        good[4],  # 12
    ]
    deliver_text(landing, XAPI, "2024-01-01", "\n".join(lines) + "\n")
    key = file_key(XAPI, file_name(XAPI, "2024-01-01"))
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, XAPI, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (5, 5)
    assert q(conn, f"select _line_number, statement from {XAPI.table} order by 1") == [
        (1, good[0]), (3, good[1]), (6, good[2]), (10, good[3]), (12, good[4]),
    ]
    assert quarantine_of(conn, key) == [
        (2, lines[1], "line is not valid JSON"),
        (5, lines[4], "line is not valid JSON"),
        (7, lines[6], "line is not a JSON object"),
        (8, lines[7], "statement has no object"),
        (11, lines[10], "line is not valid JSON"),
    ]
    assert ledger_entry(conn, key)[0][1:] == (10, 5, 5)


def test_jsonl_line_numbers_survive_reader_rejected_lines_and_crlf(tmp_path):
    """Lines the CSV-based line reader itself rejects (an \\x1e separator inside, bad UTF-8)
    leave gaps that must not shift the numbers of the lines after them."""
    landing = tmp_path / "landing"
    good = [json.dumps(statement(n)) for n in range(1, 5)]
    data = (
        good[0].encode() + b"\r\n"  # 1
        + b"a\x1eb\r\n"  # 2: record separator
        + good[1].encode() + b"\r\n"  # 3
        + b"\xff\xfe not utf-8\r\n"  # 4
        + good[2].encode() + b"\r\n"  # 5
        + b"x\x1ey\x1ez\r\n"  # 6
        + good[3].encode() + b"\r\n"  # 7
    )
    deliver_text(landing, XAPI, "2024-01-01", data)
    key = file_key(XAPI, file_name(XAPI, "2024-01-01"))
    conn = connect(tmp_path / "w.duckdb")

    load(conn, XAPI, landing)

    assert q(conn, f"select _line_number, statement from {XAPI.table} order by 1") == [
        (1, good[0]), (3, good[1]), (5, good[2]), (7, good[3]),
    ]
    quarantined = quarantine_of(conn, key)
    assert [line for line, _, _ in quarantined] == [2, 4, 6]
    assert all(reason for _, _, reason in quarantined)
    assert "ENCODING" in quarantined[1][2].upper()


def test_empty_file_and_blank_lines(tmp_path):
    landing = tmp_path / "landing"
    conn = connect(tmp_path / "w.duckdb")

    # CSV without even a header: the feed fails, naming the file; the other files still load.
    deliver_text(landing, CRM_USERS, "2024-01-01", b"")
    deliver_csv(landing, CRM_USERS, "2024-01-02", [["u1", "a@example.com", "true"]])
    with pytest.raises(FeedFailed) as failed:
        load(conn, CRM_USERS, landing)
    empty_key = file_key(CRM_USERS, file_name(CRM_USERS, "2024-01-01"))
    assert empty_key in str(failed.value) and "empty" in str(failed.value)
    assert [f.status for f in failed.value.result.files] == ["loaded"]
    assert ledger_entry(conn, empty_key) == []

    # Only blank lines is no header either.
    deliver_text(landing, CRM_USERS, "2024-01-01", "\n\n\n")
    with pytest.raises(FeedFailed, match=re.escape(empty_key)):
        load(conn, CRM_USERS, landing)

    # A header and nothing else: a file with no rows, recorded as read.
    deliver_csv(landing, CRM_USERS, "2024-01-01", [])
    result = load(conn, CRM_USERS, landing)
    assert [(f.status, f.rows_loaded) for f in result.files] == [("loaded", 0), ("skipped", 0)]
    assert ledger_entry(conn, empty_key)[0][1:] == (0, 0, 0)

    # Blank lines between and after CSV rows are not records.
    text = "Id,Email,IsActive\n\nu5,e@example.com,true\n\n\nu6,f@example.com,false\n\n"
    deliver_text(landing, CRM_USERS, "2024-01-03", text)
    load(conn, CRM_USERS, landing)
    key3 = file_key(CRM_USERS, file_name(CRM_USERS, "2024-01-03"))
    assert ledger_entry(conn, key3)[0][1:] == (2, 2, 0)
    assert q(conn, f"select Id, _record_number from {CRM_USERS.table} where _file = ? order by 2", [key3]) == [
        ("u5", 1), ("u6", 2),
    ]

    # An empty JSONL file and one of blank lines load nothing and quarantine nothing.
    deliver_text(landing, XAPI, "2024-01-01", b"")
    deliver_text(landing, XAPI, "2024-01-02", "\n \n\n")
    deliver_text(landing, XAPI, "2024-01-03", b"", gz=True)
    result = load(conn, XAPI, landing)
    assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in result.files] == [("loaded", 0, 0)] * 3
    assert q(conn, f"select count(*) from {XAPI.table}") == [(0,)]
    assert q(conn, f"select count(*) from {ledger.QUARANTINE}") == [(0,)]
    assert {r[1:] for r in q(conn, f"select file, rows_read, rows_loaded, rows_quarantined from {ledger.LEDGER} where feed = ?", [XAPI.name])} == {(0, 0, 0)}


def test_file_names_not_matching_the_pattern_are_ignored(tmp_path):
    landing = tmp_path / "landing"
    deliver_csv(landing, CRM_USERS, "2024-01-01", [["u1", "a@example.com", "true"]])
    folder = feed_folder(landing, CRM_USERS)
    for stray in ("users_2024-01-01.csv.bak", "users_latest.csv", "users_2024-1-2.csv", "other_2024-01-01.csv", "users_2024-01-01.jsonl"):
        (folder / stray).write_text("garbage\n")
    (folder / "users_2024-01-05.csv").mkdir()
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, CRM_USERS, landing)

    assert [f.key for f in result.files] == [file_key(CRM_USERS, "users_2024-01-01.csv")]
    assert load(conn, CRM_USERS, tmp_path / "no-such-landing").files == []


# --------------------------------------------------------------------------- known engine bugs


def test_csv_quarantine_line_is_the_physical_line_when_the_file_has_blank_lines(tmp_path):
    landing = tmp_path / "landing"
    text = (
        csv_line(columns_of(INCIDENTS)) + "\n"  # 1
        + csv_line(incident(1)) + "\n"  # 2
        + csv_line(incident(2, opened_at="not a time")) + "\n"  # 3
        + "\n"  # 4
        + csv_line(incident(3)) + "\n"  # 5
    )
    deliver_text(landing, INCIDENTS, "2024-01-01", text)
    conn = connect(tmp_path / "w.duckdb")

    load(conn, INCIDENTS, landing)

    assert [r[0] for r in quarantine_of(conn, file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01")))] == [3]


def test_bad_row_followed_by_a_short_row_and_a_blank_line_is_not_lost(tmp_path):
    landing = tmp_path / "landing"
    lines = [
        csv_line(columns_of(INCIDENTS)),  # 1
        csv_line(incident(1, opened_at="not a date")),  # 2
        "INC0000002",  # 3: one column of 16
        "",  # 4: a trailing blank line
    ]
    deliver_text(landing, INCIDENTS, "2024-01-01", "\n".join(lines) + "\n")
    key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01"))
    conn = connect(tmp_path / "w.duckdb")

    load(conn, INCIDENTS, landing)

    assert ledger_entry(conn, key)[0][1:] == (2, 0, 2)
    assert [(line, raw) for line, raw, _ in quarantine_of(conn, key)] == [(2, lines[1]), (3, lines[2])]


def test_csv_quarantine_line_is_the_physical_line_after_a_multiline_comment(tmp_path):
    landing = tmp_path / "landing"
    row = lambda rid, score, comment: [rid, "a@example.com", "C1", "2024-01-01T10:00:00Z", "Q1", score, comment]
    text = (
        csv_line(columns_of(SURVEYS)) + "\n"  # 1
        + csv_line(row("r1", "5", "Great course,\nwould recommend")) + "\n"  # 2-3
        + csv_line(row("r2", "five", "")) + "\n"  # 4
    )
    deliver_text(landing, SURVEYS, "2024-01-01", text)
    conn = connect(tmp_path / "w.duckdb")

    load(conn, SURVEYS, landing)

    assert q(conn, f"select comment from {SURVEYS.table}") == [("Great course,\nwould recommend",)]
    assert [r[0] for r in quarantine_of(conn, file_key(SURVEYS, file_name(SURVEYS, "2024-01-01")))] == [4]


def test_invalid_utf8_in_an_early_csv_row_is_quarantined_and_the_feed_goes_on(tmp_path):
    landing = tmp_path / "landing"
    deliver_text(landing, CRM_USERS, "2024-01-01", b"Id,Email,IsActive\nu1,a@example.com,true\nu2,\xff\xfe,true\n")
    deliver_csv(landing, CRM_USERS, "2024-01-02", [["u3", "c@example.com", "true"]])
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, CRM_USERS, landing)  # raises UnicodeDecodeError today

    # What the engine already does when the same byte comes after the first 8 KB.
    assert [(f.rows_loaded, f.rows_quarantined) for f in result.files] == [(1, 1), (1, 0)]
    assert [r[0] for r in quarantine_of(conn, file_key(CRM_USERS, "users_2024-01-01.csv"))] == [3]


def test_corrupt_gzip_csv_fails_the_feed_naming_the_file(tmp_path):
    landing = tmp_path / "landing"
    (feed_folder(landing, CRM_USERS) / "users_2024-01-01.csv.gz").write_bytes(b"this is not gzip")
    deliver_csv(landing, CRM_USERS, "2024-01-02", [["u3", "c@example.com", "true"]])
    conn = connect(tmp_path / "w.duckdb")

    with pytest.raises(FeedFailed, match=re.escape("users_2024-01-01.csv.gz")) as failed:
        load(conn, CRM_USERS, landing)
    assert [f.status for f in failed.value.result.files] == ["loaded"]


def test_corrupt_gzip_jsonl_fails_the_feed_naming_the_file(tmp_path):
    landing = tmp_path / "landing"
    (feed_folder(landing, XAPI) / "xapi_statements_2024-01-01.jsonl.gz").write_bytes(b"this is not gzip")
    deliver_jsonl(landing, XAPI, "2024-01-02", [statement(1)])
    conn = connect(tmp_path / "w.duckdb")

    with pytest.raises(FeedFailed, match=re.escape("xapi_statements_2024-01-01.jsonl.gz")) as failed:
        load(conn, XAPI, landing)
    assert [f.status for f in failed.value.result.files] == ["loaded"]


def test_non_integer_value_in_an_integer_column_is_quarantined_not_rounded(tmp_path):
    landing = tmp_path / "landing"
    row = lambda rid, score: [rid, "a@example.com", "C1", "2024-01-01T10:00:00Z", "Q1", score, ""]
    deliver_csv(landing, SURVEYS, "2024-01-01", [row("r1", "4"), row("r2", "4.6")])
    conn = connect(tmp_path / "w.duckdb")

    load(conn, SURVEYS, landing)

    assert q(conn, f"select response_id, score from {SURVEYS.table}") == [("r1", 4)]
    assert [r[0] for r in quarantine_of(conn, file_key(SURVEYS, "surveys_2024-01-01.csv"))] == [3]


def test_json_look_alikes_inside_strings_stay_valid(tmp_path):
    landing = tmp_path / "landing"
    line = json.dumps({**statement(1), "result": {"response": "a,} NaN [1,]"}})
    deliver_text(landing, XAPI, "2024-01-01", (line + "\n").encode())
    conn = connect(tmp_path / "w.duckdb")
    result = load(conn, XAPI, landing)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)


def test_json_line_with_a_trailing_comma_is_quarantined_as_invalid_json(tmp_path):
    landing = tmp_path / "landing"
    line = json.dumps(statement(1))[:-1] + ", }"
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
    deliver_text(landing, XAPI, "2024-01-01", line + "\n")
    conn = connect(tmp_path / "w.duckdb")

    load(conn, XAPI, landing)

    assert q(conn, f"select count(*) from {XAPI.table}") == [(0,)]
    assert quarantine_of(conn, file_key(XAPI, "xapi_statements_2024-01-01.jsonl")) == [(1, line, "line is not valid JSON")]


def test_whitespace_only_jsonl_line_with_a_tab_is_skipped_like_a_blank_line(tmp_path):
    landing = tmp_path / "landing"
    deliver_text(landing, XAPI, "2024-01-01", json.dumps(statement(1)) + "\n \t \n" + json.dumps(statement(2)) + "\n")
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, XAPI, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)


@pytest.mark.parametrize(
    "contract, data",
    [
        (CRM_USERS, b"Id,Email,IsActive\r\nu1,a@example.com,true\nu2,b@example.com,true\r\nu3,c@example.com,false\r\n"),
        (CRM_USERS, b"Id,Email,IsActive\nu1,a@example.com,true\nu2,b\rc,true\nu3,c@example.com,false\n"),
        (XAPI, (json.dumps(statement(1)) + "\r\n" + json.dumps(statement(2)) + "\n" + json.dumps(statement(3)) + "\r\n").encode()),
        (XAPI, (json.dumps(statement(1)) + "\n" + "stray\rcarriage return\n" + json.dumps(statement(3)) + "\n").encode()),
    ],
    ids=["csv-mixed-line-endings", "csv-stray-cr", "jsonl-mixed-line-endings", "jsonl-stray-cr"],
)
def test_one_odd_line_ending_does_not_make_the_whole_file_unreadable(tmp_path, contract, data):
    landing = tmp_path / "landing"
    deliver_text(landing, contract, "2024-01-01", data)
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, contract, landing)

    assert result.rows_loaded + result.rows_quarantined == 3
    assert result.rows_loaded >= 2


@pytest.mark.parametrize(
    "contract, data, line, expected",
    [
        (CRM_USERS, b"Id,Email,IsActive\r\nu1,a,true\r\nu2,b,maybe\r\n", 3, "u2,b,maybe"),
        (XAPI, json.dumps(statement(1)).encode() + b"\n\na\x1eb\n", 3, "a\x1eb"),
    ],
    ids=["csv-crlf", "jsonl-reader-rejected-line-after-a-blank-line"],
)
def test_quarantined_raw_text_is_the_line_itself(tmp_path, contract, data, line, expected):
    landing = tmp_path / "landing"
    path = deliver_text(landing, contract, "2024-01-01", data)
    conn = connect(tmp_path / "w.duckdb")

    load(conn, contract, landing)

    assert [(r[0], r[1]) for r in quarantine_of(conn, file_key(contract, path.name))] == [(line, expected)]


def test_reason_for_a_short_row_states_the_number_of_columns_found_once(tmp_path):
    landing = tmp_path / "landing"
    deliver_csv(landing, INCIDENTS, "2024-01-01", [incident(1)[:2]])
    conn = connect(tmp_path / "w.duckdb")

    load(conn, INCIDENTS, landing)

    [(_, _, reason)] = quarantine_of(conn, file_key(INCIDENTS, "incidents_2024-01-01.csv"))
    assert reason.count("Found:") == 1 and "Found: 2" in reason


def test_jsonl_line_ending_in_a_record_separator_is_counted_and_quarantined(tmp_path):
    landing = tmp_path / "landing"
    good = json.dumps(statement(1))
    deliver_text(landing, XAPI, "2024-01-01", f"{good}\n\x1e\n{good}\x1e\n")
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, XAPI, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert [r[0] for r in quarantine_of(conn, file_key(XAPI, "xapi_statements_2024-01-01.jsonl"))] == [2, 3]


def test_mixed_line_endings_keep_quarantine_lines_pointing_into_the_original(tmp_path):
    landing = tmp_path / "landing"
    data = b"Id,Email,IsActive\r\nu1,a@example.com,true\nu2,b@example.com,true\r\nu3,c@example.com,maybe\r\nu4,d,false\n"
    deliver_text(landing, CRM_USERS, "2024-01-01", data)
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, CRM_USERS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert q(conn, "select line, raw_text from raw._quarantine") == [(4, "u3,c@example.com,maybe")]
