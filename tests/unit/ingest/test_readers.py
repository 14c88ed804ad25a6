"""The readers (dagster_project.ingest.readers): headers, bad rows, xAPI checks,
line endings, timestamps."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from dagster_project.ingest import ledger
from dagster_project.ingest.loader import FeedFailed
from tests.unit.ingest.helpers import (
    CRM_USERS,
    INCIDENTS,
    META_CSV,
    META_JSONL,
    SURVEYS,
    UUID_SHAPE,
    XAPI,
    XAPI_FIXTURES,
    columns_of,
    connect,
    csv_line,
    deliver_csv,
    deliver_jsonl,
    deliver_text,
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


# --------------------------------------------------------------------------- engine bugs, fixed and pinned


def test_invalid_utf8_in_an_early_csv_row_is_quarantined_and_the_feed_goes_on(tmp_path):
    """(In the key column: elsewhere such bytes are loaded as U+FFFD, test_encoding.py.)"""
    landing = tmp_path / "landing"
    deliver_text(landing, CRM_USERS, "2024-01-01", b"Id,Email,IsActive\nu1,a@example.com,true\nu\xff\xfe2,b@example.com,true\n")
    deliver_csv(landing, CRM_USERS, "2024-01-02", [["u3", "c@example.com", "true"]])
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, CRM_USERS, landing)  # raises UnicodeDecodeError today

    # What the engine already does when the same byte comes after the first 8 KB.
    assert [(f.rows_loaded, f.rows_quarantined) for f in result.files] == [(1, 1), (1, 0)]
    assert [r[0] for r in quarantine_of(conn, file_key(CRM_USERS, "users_2024-01-01.csv"))] == [3]


def test_non_integer_value_in_an_integer_column_is_quarantined_not_rounded(tmp_path):
    landing = tmp_path / "landing"
    def row(rid, score):
        return [rid, "a@example.com", "C1", "2024-01-01T10:00:00Z", "Q1", score, ""]
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


@pytest.mark.parametrize("tail", ['"result": {"score": {"raw": NaN}}}', '"result": {"score": {"raw": -Infinity}}}',
                                  '"result": {"extensions": {"x": [1, 2,]}}}'])
def test_json_that_only_a_lenient_parser_reads_is_quarantined_as_invalid_json(tmp_path, tail):
    landing = tmp_path / "landing"
    line = json.dumps(statement(1))[:-1] + ", " + tail
    good = json.dumps({**statement(2), "result": {"response": "NaN, -Infinity and [1,]"}})
    deliver_text(landing, XAPI, "2024-01-01", line + "\n" + good + "\n")
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, XAPI, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
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
