"""Bytes that are not UTF-8: in a CSV's key column they quarantine the row; in any
other column the row is loaded with U+FFFD in their place, a warning names the file,
the rows and the columns, and a `REPLACED:` note in raw._quarantine (no rejected row:
no count includes it) says the same to whoever looks later."""

from __future__ import annotations

import logging

import pytest

from dagster_project.ingest import ledger, readers
from dagster_project.ingest.contracts import contract_by_name
from tests.unit.ingest.helpers import (
    columns_of,
    connect,
    csv_line,
    deliver_text,
    file_key,
    file_name,
    ledger_entry,
    load,
    q,
    quarantine_of,
)

HRIS = contract_by_name("hris__workers")


def worker(n: int, name: str = "Ada Lovelace") -> list[str]:
    row = {
        "Employee_ID": f"E{n:05d}", "Work_Email": f"e{n}@example.com", "Legal_Name": name,
        "Hire_Date": "2023-01-02", "Termination_Date": "", "Job_Profile": "Agent", "Job_Family": "Support",
        "Job_Level": "L1", "Supervisory_Organization": "Service Desk", "Manager_Employee_ID": "E00001",
        "Location": "Lisbon", "Country": "PT", "Cost_Center": "CC1", "Worker_Type": "Employee", "FTE": "1.0",
        "Annual_Base_Pay": "30000", "Currency": "EUR",
    }
    assert list(row) == columns_of(HRIS)
    return list(row.values())


def hris_file(line_end: str = "\n") -> bytes:
    """Line 2: fine; 3 and 5: a bad byte in Legal_Name; 4: a bad byte in the key; 6: fine."""
    lines = [csv_line(columns_of(HRIS)).encode()]
    for n in range(1, 6):
        line = csv_line(worker(n, name=f"Name{n}")).encode()
        if n in (2, 4):
            line = line.replace(f"Name{n}".encode(), b"Jos\xe9 " + str(n).encode())  # Latin-1 é
        if n == 3:
            line = line.replace(b"E00003", b"E000\xff3")
        lines.append(line)
    return line_end.encode().join(lines) + line_end.encode()


@pytest.fixture(params=["direct", "screened"])
def read_path(request, monkeypatch):
    if request.param == "screened":
        monkeypatch.setattr(readers, "_SCREEN_ABOVE_ERRORS", 0)
    return request.param


@pytest.mark.parametrize("line_end, gz", [("\n", False), ("\r\n", True)])
def test_a_bad_byte_in_a_name_is_loaded_as_u_fffd_and_in_a_key_quarantines_the_row(
    tmp_path, caplog, line_end, gz, read_path
):
    landing = tmp_path / "landing"
    deliver_text(landing, HRIS, "2024-01-01", hris_file(line_end), gz=gz)
    key = file_key(HRIS, file_name(HRIS, "2024-01-01", gz=gz))
    conn = connect(tmp_path / "w.duckdb")

    with caplog.at_level(logging.WARNING):
        result = load(conn, HRIS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (4, 1)
    assert q(conn, f'select "Employee_ID", "Legal_Name", _record_number from {HRIS.table} order by 1') == [
        ("E00001", "Name1", 1), ("E00002", "Jos\ufffd 2", 2), ("E00004", "Jos\ufffd 4", 3), ("E00005", "Name5", 4),
    ]
    assert [r[1:] for r in ledger_entry(conn, key)] == [(5, 4, 1)]
    [note, rejected] = quarantine_of(conn, key)
    assert rejected[0] == 4 and rejected[1].startswith("E000\ufffd3,")
    assert rejected[2] == 'INVALID ENCODING: bytes that are not UTF-8 in key column "Employee_ID"'
    line, text, reason = note
    assert line == 3 and text is None
    assert reason.startswith("REPLACED: 2 row(s) loaded with U+FFFD")
    assert "Legal_Name (2 row(s))" in reason and "lines 3, 5" in reason
    # The note is no rejected row: the counts stay those of the rejected rows.
    assert ledger.quarantine_counts(conn) == {HRIS.name: 1}
    warning = next(r.getMessage() for r in caplog.records if "U+FFFD" in r.getMessage())
    assert key in warning and "2 row(s)" in warning and "Legal_Name" in warning


def test_a_file_of_valid_utf8_is_not_repaired_even_with_a_replacement_character_in_it(tmp_path):
    landing = tmp_path / "landing"
    text = csv_line(columns_of(HRIS)) + "\n" + csv_line(worker(1, name="Already \ufffd broken")) + "\n"
    deliver_text(landing, HRIS, "2024-01-01", text)
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, HRIS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    assert quarantine_of(conn, file_key(HRIS, file_name(HRIS, "2024-01-01"))) == []


def test_a_bad_byte_in_a_typed_column_quarantines_the_row_as_a_cast(tmp_path):
    landing = tmp_path / "landing"
    line = csv_line(worker(1)).encode().replace(b"30000", b"30\xff00")
    deliver_text(landing, HRIS, "2024-01-01", csv_line(columns_of(HRIS)).encode() + b"\n" + line + b"\n")
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, HRIS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (0, 1)
    [(_, _, reason)] = quarantine_of(conn, file_key(HRIS, file_name(HRIS, "2024-01-01")))
    assert reason.startswith("CAST")
