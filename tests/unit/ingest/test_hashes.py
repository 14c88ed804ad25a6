"""Each landed file is read for its hash once (dagster_project.ingest.hashes): a night
with one new file does not re-read all history, yet a changed file is always seen."""

from __future__ import annotations

import os
import time

import pytest

from dagster_project.ingest import hashes, landing, loader
from tests.unit.ingest.helpers import INCIDENTS, connect, deliver_csv, file_key, incident, load, q, raw_rows

HOUR_NS = 3600 * 10**9


def age(path, hours: float) -> None:
    """Set a file's modification time `hours` in the past, as a file landed earlier has."""
    then = time.time_ns() - int(hours * HOUR_NS)
    os.utime(path, ns=(then, then))


@pytest.fixture
def reads(monkeypatch):
    """The files whose bytes were read for a hash, in order."""
    seen = []
    real = landing.sha256_of

    def counting(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(hashes, "sha256_of", counting)
    return seen


def test_a_night_reads_only_the_new_file(tmp_path, reads):
    landed = tmp_path / "landing"
    old = [deliver_csv(landed, INCIDENTS, f"2024-01-0{d}", [incident(d)]) for d in (1, 2, 3)]
    for path in old:
        age(path, 24)
    conn = connect(tmp_path / "w.duckdb")
    load(conn, INCIDENTS, landed)
    assert sorted(reads) == sorted(p.name for p in old)

    reads.clear()
    new = deliver_csv(landed, INCIDENTS, "2024-01-04", [incident(4)])
    night = load(conn, INCIDENTS, landed)
    assert reads == [new.name]
    assert [f.status for f in night.files] == ["skipped", "skipped", "skipped", "loaded"]


def test_a_changed_file_is_read_and_replaced_even_at_the_same_size(tmp_path, reads):
    landed = tmp_path / "landing"
    path = deliver_csv(landed, INCIDENTS, "2024-01-01", [incident(1, category="aaaa")])
    age(path, 24)
    conn = connect(tmp_path / "w.duckdb")
    load(conn, INCIDENTS, landed)
    size = path.stat().st_size

    deliver_csv(landed, INCIDENTS, "2024-01-01", [incident(1, category="bbbb")])
    age(path, 12)  # re-delivered later: another modification time
    assert path.stat().st_size == size
    reads.clear()
    again = load(conn, INCIDENTS, landed)
    assert reads == [path.name]
    assert [f.status for f in again.files] == ["replaced"]
    assert "bbbb" in str(raw_rows(conn, INCIDENTS))


def test_a_file_modified_moments_ago_is_not_trusted_by_its_time(tmp_path, reads):
    """Two writes in one clock tick can leave size and time unchanged: a file is
    recorded only once it has been still for TRUST_MARGIN_NS, and read until then."""
    landed = tmp_path / "landing"
    path = deliver_csv(landed, INCIDENTS, "2024-01-01", [incident(1)])
    conn = connect(tmp_path / "w.duckdb")
    load(conn, INCIDENTS, landed)
    assert q(conn, f"select count(*) from {hashes.TABLE}") == [(0,)]
    load(conn, INCIDENTS, landed)
    assert reads == [path.name, path.name]

    age(path, 1)
    load(conn, INCIDENTS, landed)
    load(conn, INCIDENTS, landed)
    assert reads == [path.name] * 3
    assert q(conn, f"select file, size_bytes from {hashes.TABLE}") == [
        (file_key(INCIDENTS, path.name), path.stat().st_size)
    ]


def test_readers_that_record_nothing_use_the_recorded_hashes(tmp_path, reads):
    landed = tmp_path / "landing"
    path = deliver_csv(landed, INCIDENTS, "2024-01-01", [incident(1)])
    age(path, 24)
    conn = connect(tmp_path / "w.duckdb")
    load(conn, INCIDENTS, landed)
    known = hashes.known_hashes(conn)
    found = loader.discover(INCIDENTS, landed, tmp_path / "unused-config")
    reads.clear()
    assert hashes.landed_digests(found, known) == {file_key(INCIDENTS, path.name): landing.sha256_of(path)}
    assert reads == []
    # A warehouse from before the table: every file is read.
    assert hashes.known_hashes(connect(tmp_path / "older.duckdb")) == {}
