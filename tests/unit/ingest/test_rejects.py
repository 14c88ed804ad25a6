"""Rejected rows (dagster_project.ingest.rejects): the quarantine's physical line
numbers, raw text and reasons."""

from __future__ import annotations

import json

import pytest

from tests.unit.ingest.helpers import (
    CRM_USERS,
    INCIDENTS,
    SURVEYS,
    XAPI,
    columns_of,
    connect,
    csv_line,
    deliver_csv,
    deliver_text,
    file_key,
    file_name,
    incident,
    ledger_entry,
    load,
    q,
    quarantine_of,
    statement,
)

# --------------------------------------------------------------------------- bad rows


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


# --------------------------------------------------------------------------- engine bugs, fixed and pinned


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
    def row(rid, score, comment):
        return [rid, "a@example.com", "C1", "2024-01-01T10:00:00Z", "Q1", score, comment]
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
