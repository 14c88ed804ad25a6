"""The loader and its ledger (dagster_project.ingest.loader, .ledger): re-deliveries,
delivery order, crashes between files, compressed files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest

from dagster_project.ingest import ledger, loader
from dagster_project.ingest.contracts import FeedContract
from dagster_project.ingest.loader import FeedFailed
from tests.unit.ingest.helpers import (
    CRM_USERS,
    INCIDENTS,
    XAPI,
    connect,
    deliver_csv,
    deliver_jsonl,
    feed_folder,
    file_key,
    file_name,
    incident,
    ledger_entry,
    ledger_rows,
    load,
    q,
    quarantine_of,
    quarantine_rows,
    raw_rows,
    statement,
)

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

        def patched(conn, c, landed, *args):
            if landed.key == crash_key:
                raise SimulatedCrash(landed.key)
            return real(conn, c, landed, *args)

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


# --------------------------------------------------------------------------- engine bugs, fixed and pinned


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
