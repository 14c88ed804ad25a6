"""A quarantined row in a snapshot feed whose key was in the previous snapshot fails the
file (snapshots.check_quarantined_keys, called between staging and the swap) instead of
ending that person's record."""

from __future__ import annotations

import datetime as dt

import pytest

from dagster_project.ingest.landing import discover
from dagster_project.ingest.readers import UnreadableFileError, stage
from dagster_project.ingest.snapshots import SnapshotKeyQuarantinedError, check_quarantined_keys
from tests.unit.ingest.helpers import CRM_USERS, INCIDENTS, columns_of, connect, csv_line, deliver_text, incident, load
from tests.unit.ingest.test_encoding import HRIS, worker


def snapshot(rows: list[bytes | list[str]]) -> bytes:
    lines = [csv_line(columns_of(HRIS)).encode()]
    lines += [r if isinstance(r, bytes) else csv_line(r).encode() for r in rows]
    return b"\n".join(lines) + b"\n"


def staged(conn, landing, contract, date: str):
    """Stage one landed file, as load_file does before its swap."""
    [landed] = [f for f in discover(contract, landing, landing.parent / "config")
                if f.extract_date == dt.date.fromisoformat(date)]
    stage(conn, contract, landed)
    return landed


@pytest.fixture
def loaded(tmp_path):
    """hris__workers with one snapshot loaded: E00001 to E00005."""
    landing = tmp_path / "landing"
    deliver_text(landing, HRIS, "2024-01-31", snapshot([worker(n) for n in range(1, 6)]))
    conn = connect(tmp_path / "w.duckdb")
    load(conn, HRIS, landing)
    return landing, conn


def broken(n: int) -> bytes:
    """Worker n's row with an unquoted comma in the name: one column too many."""
    return csv_line(worker(n)).encode().replace(b"Ada Lovelace", b"Lovelace, Ada")


def test_a_quarantined_row_of_someone_in_the_previous_snapshot_fails_the_file(loaded):
    landing, conn = loaded
    deliver_text(landing, HRIS, "2024-02-29", snapshot([worker(1), worker(2), broken(3), worker(4), worker(5)]))
    landed = staged(conn, landing, HRIS, "2024-02-29")

    with pytest.raises(SnapshotKeyQuarantinedError) as raised:
        check_quarantined_keys(conn, HRIS, landed)

    message = str(raised.value)
    assert isinstance(raised.value, UnreadableFileError)  # the loader makes it a feed error
    assert landed.shown in message and "in the previous snapshot, 2024-01-31" in message
    assert "line 4: Employee_ID='E00003': TOO MANY COLUMNS" in message
    assert "this would end the person's record in the snapshot" in message
    assert "fix the file and re-deliver" in message


def test_a_key_with_bytes_that_are_not_utf8_matches_the_person_it_was(loaded):
    landing, conn = loaded
    bad_key = csv_line(worker(2)).encode().replace(b"E00002", b"E000\xe92")  # a byte in place of "0"
    deliver_text(landing, HRIS, "2024-02-29", snapshot([worker(1), bad_key, worker(3), worker(4), worker(5)]))
    landed = staged(conn, landing, HRIS, "2024-02-29")

    with pytest.raises(SnapshotKeyQuarantinedError, match="line 3: Employee_ID='E00002': INVALID ENCODING"):
        check_quarantined_keys(conn, HRIS, landed)


@pytest.mark.parametrize("rows", [
    # a new hire (not in the previous snapshot)
    [worker(n) for n in range(1, 6)] + [broken(6)],
    # the same key loaded from another row of the file
    [worker(n) for n in range(1, 6)] + [broken(5)],
    # garbage without a key
    [worker(n) for n in range(1, 6)] + [b"garbage", b",,,"],
    # nothing quarantined
    [worker(n) for n in range(1, 5)],
], ids=["new-hire", "key-reloaded", "garbage", "none"])
def test_other_quarantined_rows_do_not_fail_the_file(loaded, rows):
    landing, conn = loaded
    deliver_text(landing, HRIS, "2024-02-29", snapshot(rows))
    landed = staged(conn, landing, HRIS, "2024-02-29")

    check_quarantined_keys(conn, HRIS, landed)


def test_the_first_snapshot_has_nothing_to_compare_with(tmp_path):
    landing = tmp_path / "landing"
    deliver_text(landing, HRIS, "2024-01-31", snapshot([worker(1), broken(2)]))
    conn = connect(tmp_path / "w.duckdb")
    load(conn, HRIS, landing.parent / "nothing")  # the raw table, empty
    landed = staged(conn, landing, HRIS, "2024-01-31")

    check_quarantined_keys(conn, HRIS, landed)


def test_the_previous_snapshot_is_the_latest_earlier_one_not_any(loaded):
    """E00003 left in February; a broken E00003 row in March ends nobody's employment."""
    landing, conn = loaded
    deliver_text(landing, HRIS, "2024-02-29", snapshot([worker(n) for n in (1, 2, 4, 5)]))
    load(conn, HRIS, landing)
    deliver_text(landing, HRIS, "2024-03-31", snapshot([worker(n) for n in (1, 2, 4, 5)] + [broken(3)]))
    landed = staged(conn, landing, HRIS, "2024-03-31")

    check_quarantined_keys(conn, HRIS, landed)

    # ... but one of February's people in March does.
    deliver_text(landing, HRIS, "2024-03-31", snapshot([worker(n) for n in (1, 2, 4)] + [broken(5)]))
    landed = staged(conn, landing, HRIS, "2024-03-31")
    with pytest.raises(SnapshotKeyQuarantinedError, match="2024-02-29"):
        check_quarantined_keys(conn, HRIS, landed)


def test_a_redelivered_snapshot_is_compared_with_the_one_before_it(loaded):
    """A changed re-delivery of the same date: its own earlier version is not 'previous'."""
    landing, conn = loaded
    deliver_text(landing, HRIS, "2024-01-31", snapshot([worker(n) for n in range(1, 5)] + [broken(5)]))
    landed = staged(conn, landing, HRIS, "2024-01-31")

    check_quarantined_keys(conn, HRIS, landed)


def test_other_snapshot_feeds_too_and_incremental_feeds_never(tmp_path):
    landing = tmp_path / "landing"
    header = csv_line(columns_of(CRM_USERS))
    deliver_text(landing, CRM_USERS, "2024-01-01", f"{header}\nu1,a@example.com,true\nu2,b@example.com,true\n")
    deliver_text(landing, INCIDENTS, "2024-01-01", csv_line(columns_of(INCIDENTS)) + "\n" + csv_line(incident(1)) + "\n")
    conn = connect(tmp_path / "w.duckdb")
    load(conn, CRM_USERS, landing)
    load(conn, INCIDENTS, landing)

    deliver_text(landing, CRM_USERS, "2024-02-01", f"{header}\nu1,a@example.com,true\nu2,b@example.com,maybe\n")
    landed = staged(conn, landing, CRM_USERS, "2024-02-01")
    with pytest.raises(SnapshotKeyQuarantinedError, match="line 3: Id='u2': CAST"):
        check_quarantined_keys(conn, CRM_USERS, landed)

    deliver_text(landing, INCIDENTS, "2024-02-01", csv_line(columns_of(INCIDENTS)) + "\n"
                 + csv_line(incident(1, opened_at="not a date")) + "\n")
    landed = staged(conn, landing, INCIDENTS, "2024-02-01")
    check_quarantined_keys(conn, INCIDENTS, landed)


def test_many_matches_are_counted_and_the_first_shown(loaded):
    landing, conn = loaded
    deliver_text(landing, HRIS, "2024-02-29", snapshot([broken(n) for n in range(1, 6)]))
    landed = staged(conn, landing, HRIS, "2024-02-29")

    with pytest.raises(SnapshotKeyQuarantinedError, match=r"5 quarantined row\(s\)"):
        check_quarantined_keys(conn, HRIS, landed)
