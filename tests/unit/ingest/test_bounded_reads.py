"""Reading and quarantining in bounded memory (readers._read_bounded, prepare.screen,
rejects.py's batches, ledger.record_quarantine's limit): a file of garbage lines is
read without DuckDB keeping an error per missing column of every line, only the first
IMPACT_MAX_QUARANTINED_LINES_PER_FILE rejected lines are kept, and every count stays
the true one."""

from __future__ import annotations

import gzip
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagster_project.ingest import ledger, prepare, readers
from dagster_project.settings import Settings
from tests.unit.ingest.helpers import (
    INCIDENTS,
    columns_of,
    connect,
    csv_line,
    deliver_text,
    file_key,
    file_name,
    incident,
    ledger_entry,
    load,
    q,
    quarantine_of,
)
from tests.unit.ingest.test_properties import PROPERTY_SETTINGS

CRM_USERS_HEADER = "Id,Email,IsActive"


def garbage_file(n_good: int, n_garbage: int) -> str:
    """A header, n_good incidents, then n_garbage lines of garbage (no quotes)."""
    lines = [csv_line(columns_of(INCIDENTS))]
    lines += [csv_line(incident(i)) for i in range(1, n_good + 1)]
    lines += [f"garbage {i} ;; no columns here" if i % 3 else f"a,b,c,{i}" for i in range(n_garbage)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def screen_everything(monkeypatch):
    """Every file goes through the path a big garbage file takes."""
    monkeypatch.setattr(readers, "_SCREEN_ABOVE_ERRORS", 0)


@pytest.fixture
def keep(monkeypatch):
    def set_keep(n: int) -> None:
        monkeypatch.setenv("IMPACT_MAX_QUARANTINED_LINES_PER_FILE", str(n))
    return set_keep


# --------------------------------------------------------------------------- the limit


def test_only_the_configured_number_of_rejected_lines_is_kept_and_the_counts_stay_true(tmp_path, keep):
    keep(5)
    landing = tmp_path / "landing"
    deliver_text(landing, INCIDENTS, "2024-01-01", garbage_file(n_good=3, n_garbage=40))
    key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01"))
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, INCIDENTS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (3, 40)
    assert [r[1:] for r in ledger_entry(conn, key)] == [(43, 3, 40)]
    kept = quarantine_of(conn, key)
    # Lines 1 (header) and 2-4 (incidents): the garbage starts on line 5.
    assert [line for line, _, _ in kept] == [5, 6, 7, 8, 9, 10]
    assert all(text and reason for _, text, reason in kept[:5])
    line, text, reason = kept[5]
    assert text is None
    assert reason.startswith("NOT KEPT: 35 more rejected row(s), lines 10 to 44")
    assert "IMPACT_MAX_QUARANTINED_LINES_PER_FILE" in reason
    # Every consumer of a count reads the ledger's.
    assert ledger.quarantine_counts(conn) == {INCIDENTS.name: 40}
    assert ledger.quarantined_total(conn, INCIDENTS.name) == 40


def test_a_limit_of_zero_keeps_only_the_summary_row(tmp_path, keep):
    keep(0)
    landing = tmp_path / "landing"
    deliver_text(landing, INCIDENTS, "2024-01-01", garbage_file(n_good=1, n_garbage=4))
    key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01"))
    conn = connect(tmp_path / "w.duckdb")

    load(conn, INCIDENTS, landing)

    [(line, text, reason)] = quarantine_of(conn, key)
    assert (line, text) == (3, None) and reason.startswith("NOT KEPT: 4 more rejected row(s), lines 3 to 6")
    assert [r[1:] for r in ledger_entry(conn, key)] == [(5, 1, 4)]


def test_the_limit_is_a_setting_with_a_default_of_1000(monkeypatch):
    monkeypatch.delenv("IMPACT_MAX_QUARANTINED_LINES_PER_FILE", raising=False)
    assert Settings.from_env().max_quarantined_lines_per_file == 1000
    monkeypatch.setenv("IMPACT_MAX_QUARANTINED_LINES_PER_FILE", "20")
    assert Settings.from_env().max_quarantined_lines_per_file == 20
    monkeypatch.setenv("IMPACT_MAX_QUARANTINED_LINES_PER_FILE", "-1")
    with pytest.raises(ValueError, match="IMPACT_MAX_QUARANTINED_LINES_PER_FILE"):
        Settings.from_env()


def test_a_file_with_fewer_rejected_rows_than_the_limit_keeps_them_all_without_a_summary(tmp_path, keep):
    keep(5)
    landing = tmp_path / "landing"
    deliver_text(landing, INCIDENTS, "2024-01-01", garbage_file(n_good=2, n_garbage=5))
    conn = connect(tmp_path / "w.duckdb")

    load(conn, INCIDENTS, landing)

    kept = quarantine_of(conn, file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01")))
    assert len(kept) == 5 and not any(reason.startswith("NOT KEPT") for _, _, reason in kept)


# --------------------------------------------------------------------------- the screened path


def test_a_garbage_file_is_screened_and_loaded_like_the_direct_read_would(tmp_path, keep, monkeypatch):
    """The same file through the direct read and through screening: same rows, same counts,
    same quarantine lines and texts."""
    keep(1000)
    text = garbage_file(n_good=20, n_garbage=300)
    results = {}
    for path in ("direct", "screened"):
        if path == "screened":
            monkeypatch.setattr(readers, "_SCREEN_ABOVE_ERRORS", 0)
        landing = tmp_path / path / "landing"
        deliver_text(landing, INCIDENTS, "2024-01-01", text)
        conn = connect(tmp_path / path / "w.duckdb")
        load(conn, INCIDENTS, landing)
        results[path] = (
            q(conn, f"select * exclude (_loaded_at) from {INCIDENTS.table} order by all"),
            [r[1:] for r in ledger_entry(conn, file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01")))],
            quarantine_of(conn, file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01"))),
        )
        conn.close()
    assert results["direct"] == results["screened"]
    assert results["screened"][1] == [(320, 20, 300)]


def test_a_big_garbage_file_is_not_read_with_an_error_kept_per_missing_column(tmp_path, keep, monkeypatch):
    """DuckDB's store_rejects never sees the garbage: only the rows screening could not
    judge reach it (here: none)."""
    keep(10)
    monkeypatch.setattr(readers, "_MAX_READER_ERRORS", 100)
    monkeypatch.setattr(readers, "_SCREEN_ABOVE_ERRORS", 100)
    seen = []
    real = readers._read_csv

    def spy(conn, path, columns, rejects, target="_read"):
        real(conn, path, columns, rejects, target)
        if rejects:
            seen.append(conn.execute("select count(*) from _rejects").fetchone()[0])

    monkeypatch.setattr(readers, "_read_csv", spy)
    landing = tmp_path / "landing"
    deliver_text(landing, INCIDENTS, "2024-01-01", garbage_file(n_good=50, n_garbage=5000), gz=True)
    key = file_key(INCIDENTS, file_name(INCIDENTS, "2024-01-01", gz=True))
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, INCIDENTS, landing)

    assert seen == [0]
    assert (result.rows_loaded, result.rows_quarantined) == (50, 5000)
    assert q(conn, f"select count(*) from {ledger.QUARANTINE} where file = ?", [key]) == [(11,)]


def test_a_file_that_would_still_need_too_many_reader_errors_fails_naming_it(tmp_path, monkeypatch):
    """Rows screening cannot judge (a bad value is the reader's to find) beyond the bound:
    the file fails, nothing of it loaded, instead of the reader taking unbounded memory."""
    monkeypatch.setattr(readers, "_MAX_READER_ERRORS", 16 * 10)
    monkeypatch.setattr(readers, "_SCREEN_ABOVE_ERRORS", 16 * 10)
    landing = tmp_path / "landing"
    rows = [csv_line(incident(i, opened_at="not a date")) for i in range(1, 30)]
    deliver_text(landing, INCIDENTS, "2024-01-01", "\n".join([csv_line(columns_of(INCIDENTS)), *rows]) + "\n")
    conn = connect(tmp_path / "w.duckdb")

    with pytest.raises(Exception, match="incidents_2024-01-01.csv: 29 of its 29 lines"):
        load(conn, INCIDENTS, landing)
    assert q(conn, f"select count(*) from {INCIDENTS.table}") == [(0,)]


def test_a_big_clean_file_is_read_once(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_SCREEN_ABOVE_ERRORS", 0)
    calls = []
    real = readers._read_csv
    monkeypatch.setattr(readers, "_read_csv", lambda *a, **k: (calls.append(k["rejects"]), real(*a, **k)))
    landing = tmp_path / "landing"
    rows = [csv_line(incident(i, category="two\nlines" if i % 7 == 0 else "one")) for i in range(1, 200)]
    deliver_text(landing, INCIDENTS, "2024-01-01", "\r\n".join([csv_line(columns_of(INCIDENTS)), *rows, ""]))
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, INCIDENTS, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (199, 0)
    assert calls == [False]  # one read, keeping no errors


# --------------------------------------------------------------------------- screening = DuckDB's reader

# Values after which a closing quote is followed by something else than a delimiter.
QUOTE_ERRORS = ['"c"x', '"c" then', '"bad\nafter"x', '"open']
PIECES = ["u1", "a@example.com", "true", "", " ", "x y", '"x"', '"a,b"', '"a""b"', '"one\ntwo"', 'ab"c', '"c"x',
          '"c" then', '"open', 'z"', '"a" "b"', ' "q"', '"e"  ', '""', '"two\n\nbreaks"', '"bad\nafter"x', "'"]


@st.composite
def messy_line(draw) -> str:
    """Records as they come in broken files: right or wrong numbers of values, quoted
    values (with commas, doubled quotes, line breaks), stray and unclosed quotes, spaces
    around quotes, empty values past the last column, blank lines."""
    kind = draw(st.sampled_from(["ok", "ok", "messy", "messy", "messy", "blank", "trailing"]))
    if kind == "blank":
        return ""
    if kind == "ok":
        return ",".join(draw(st.sampled_from(["u1", "a@example.com", "true", "", '"q,x"'])) for _ in range(3))
    if kind == "trailing":
        return "u1,a@example.com,true" + draw(st.sampled_from([",", ",,", ',""', ", ", ',"" ,', ",x", ',","']))
    n = draw(st.integers(1, 5))
    return ",".join(draw(st.sampled_from(PIECES)) for _ in range(n))


@PROPERTY_SETTINGS
@given(st.lists(messy_line(), max_size=25), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_screening_sets_aside_exactly_what_the_reader_would(lines, line_end, unclosed_at_end, gz):
    text = line_end.join([CRM_USERS_HEADER, *lines]) + line_end
    if unclosed_at_end:
        text += 'u9,"never closed' + line_end + "u10,b@example.com,true" + line_end
    results = {}
    from tests.unit.ingest.helpers import CRM_USERS

    for path, threshold in (("direct", readers._SCREEN_ABOVE_ERRORS), ("screened", 0)):
        with tempfile.TemporaryDirectory() as tmp:
            landing = Path(tmp) / "landing"
            deliver_text(landing, CRM_USERS, "2024-01-01", text, gz=gz)
            conn = duckdb.connect()
            saved, readers._SCREEN_ABOVE_ERRORS = readers._SCREEN_ABOVE_ERRORS, threshold
            try:
                load(conn, CRM_USERS, landing)
            finally:
                readers._SCREEN_ABOVE_ERRORS = saved
            key = file_key(CRM_USERS, file_name(CRM_USERS, "2024-01-01", gz=gz))
            results[path] = (
                q(conn, f"select * exclude (_loaded_at) from {CRM_USERS.table} order by all"),
                [r[1:] for r in ledger_entry(conn, key)],
                q(conn, f"select line, raw_text from {ledger.QUARANTINE} where file = ? order by line", [key]),
            )
            conn.close()
    (rows, counts, kept), (direct_rows, direct_counts, direct_kept) = results["screened"], results["direct"]
    if not any(piece in "".join(lines) for piece in QUOTE_ERRORS):
        assert (rows, counts, kept) == (direct_rows, direct_counts, direct_kept)
    elif line_end == "\n":
        # After an UNQUOTED VALUE error DuckDB's reader goes on in ways of its own (it may
        # accept the rest of the line as a row, or report one record as two, one of them
        # at a line end): here the whole record is rejected, once. No row is made up.
        # (In a CRLF file whose quoted values hold bare LFs, DuckDB's recovery differs again.)
        assert not Counter(r[:-1] for r in rows) - Counter(r[:-1] for r in direct_rows)


# --------------------------------------------------------------------------- the passes themselves


@pytest.mark.parametrize("gz", [False, True])
def test_survey_counts_non_empty_lines_and_checks_utf8(tmp_path, gz):
    data = b"h\r\n\r\na\n\n\nb\r\n" + b"x" * (3 << 20) + b"\nlast"
    path = tmp_path / ("f.csv.gz" if gz else "f.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    assert prepare.survey(path) == prepare.Survey(5, True)
    broken = data[:-4] + b"\xe9t\xe9\n"
    path.write_bytes(gzip.compress(broken) if gz else broken)
    assert prepare.survey(path) == prepare.Survey(5, False)


def test_repair_keeps_the_lines_and_reports_those_it_changed(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b"a,b\r\nok,\xff\r\n\xc3\xa9,fine\r\n\xe9\xe8\n")
    found = []
    assert prepare.repair_utf8(source, target, found.extend) == 2
    assert found == [2, 4]
    assert target.read_bytes() == "a,b\r\nok,\ufffd\r\né,fine\r\n\ufffd\ufffd\n".encode()


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from([b"a", b"bc", b"", b" ", b"\r"]), max_size=40), st.sampled_from([b"\n", b"\r\n"]),
       st.integers(1, 7))
def test_survey_counts_the_lines_a_reader_can_start_a_row_on_whatever_the_chunk_size(parts, end, chunk):
    import re as regex

    data = end.join(parts)
    expected = sum(1 for line in regex.split(rb"\r\n|\n|\r", data) if line)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        saved, prepare._CHUNK = prepare._CHUNK, chunk
        try:
            counted = prepare.survey(path).lines
        finally:
            prepare._CHUNK = saved
    # Exact, but for a CR that ends a chunk, counted as a line end whatever follows (an upper bound).
    assert counted == expected if b"\r" not in data else counted >= expected
