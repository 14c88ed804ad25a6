"""Publishing flips one pointer: readers never block, never see a mix of runs, and a
publish killed at any point leaves one whole run published."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish.serving import publish_marts
from dagster_project.publish.switch import RECORD, Layout, PublishError, rollback


def build_warehouse(path: Path, generation: int) -> None:
    """A warehouse whose two marts agree on a generation number and a row count."""
    conn = duckdb.connect(str(path))
    conn.execute("create schema if not exists marts")
    rows = 100 + generation
    conn.execute(f"create or replace table marts.program_impact as select {generation} as generation, range as i from range({rows})")
    conn.execute(f"create or replace table marts.program_roi as select {generation} as generation, range as i from range({rows})")
    conn.close()


def publish(warehouse: Path, data: Path, run_id: str, **kwargs) -> dict[str, int]:
    return publish_marts(warehouse, data, run_id, "v1.1.0", **kwargs)


def generation_seen(data: Path) -> tuple[int, int]:
    """(generation of the serving file, generation of the Parquet export), both read
    through the stable paths."""
    conn = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    serving = conn.execute("select min(generation) from program_impact").fetchall()[0][0]
    conn.close()
    parquet = duckdb.sql(f"select min(generation) from '{data / 'exports' / 'program_roi.parquet'}'").fetchall()[0][0]
    return serving, parquet


@pytest.fixture
def warehouses(tmp_path) -> list[Path]:
    paths = [tmp_path / f"warehouse{g}.duckdb" for g in range(2)]
    for generation, path in enumerate(paths):
        build_warehouse(path, generation)
    return paths


# A reader that polls serving.duckdb and exports/ through the stable paths, the way a BI
# tool does. When `current` names the same run before and after a read, the serving
# file and the Parquet file it read must come from that one run.
READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    data, seconds = sys.argv[1], float(sys.argv[2])
    current = os.path.join(data, "published", "current")
    deadline = time.monotonic() + seconds
    reads = 0
    while time.monotonic() < deadline:
        before = os.readlink(current)
        conn = duckdb.connect(os.path.join(data, "serving.duckdb"), read_only=True)
        a = conn.execute("select min(generation), max(generation), count(*) from program_impact").fetchall()[0]
        b = conn.execute("select min(generation), max(generation), count(*) from program_roi").fetchall()[0]
        conn.close()
        p = duckdb.sql(
            "select min(generation), max(generation), count(*) from '" + os.path.join(data, "exports", "program_roi.parquet") + "'"
        ).fetchall()[0]
        after = os.readlink(current)
        if a != b or a[0] != a[1] or a[2] != 100 + a[0]:
            print(f"MIXED serving {a} {b}")
            sys.exit(1)
        if before == after and p != b:
            print(f"MIXED serving {b} parquet {p} of run {before}")
            sys.exit(1)
        reads += 1
    print(f"OK {reads}")
    """
)


def test_reader_never_blocks_nor_sees_serving_and_parquet_from_different_runs(tmp_path, warehouses):
    data = tmp_path / "data"
    publish(warehouses[0], data, "first")

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(data), "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    publications = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        publish(warehouses[publications % 2], data, f"p{publications}")
        publications += 1
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, out + err
    assert out.startswith("OK"), out
    assert int(out.split()[1]) > 10
    assert publications > 3


def test_the_published_run_is_one_folder_behind_one_pointer(tmp_path, warehouses):
    data = tmp_path / "data"
    publish(warehouses[0], data, "first")
    publish(warehouses[1], data, "second")
    layout = Layout(data)
    assert os.readlink(data / "published" / "current") == "second"
    assert os.readlink(data / "serving.duckdb") == "published/current/serving.duckdb"
    assert os.readlink(data / "exports") == "published/current/exports"
    assert sorted(p.name for p in (data / "published" / "second").iterdir()) == ["exports", RECORD, "serving.duckdb"]
    assert layout.record("second")["previous_run_id"] == "first"
    assert layout.history() == ["second", "first"]
    assert generation_seen(data) == (1, 1)


def test_serving_file_is_written_in_a_storage_format_duckdb_1_1_reads(tmp_path, warehouses):
    publish(warehouses[1], tmp_path / "data", "t")
    header = (tmp_path / "data" / "serving.duckdb").read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    # The main header's storage version: 64 is the format DuckDB 0.10 to 1.1 read and
    # write; DuckDB 2.0's own default is a newer one that 1.x cannot open.
    assert int.from_bytes(header[12:20], "little") == 64


def test_parquet_exports_match_the_serving_tables(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, 3)
    data = tmp_path / "data"
    counts = publish(warehouse, data, "t")
    assert counts == {"program_impact": 103, "program_roi": 103}
    for table, count in counts.items():
        parquet = data / "exports" / f"{table}.parquet"
        assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall()[0][0] == count
    assert not list(data.rglob("*.tmp")), "no staged file is left behind"
    assert not list(data.rglob("*.wal")), "the serving file is complete, without a write-ahead log"


def test_a_failed_publish_leaves_the_last_published_run_untouched(tmp_path, warehouses):
    data = tmp_path / "data"
    publish(warehouses[0], data, "good")
    before = (data / "serving.duckdb").read_bytes()
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="no tables to publish"):
        publish(empty, data, "bad")
    assert (data / "serving.duckdb").read_bytes() == before
    assert os.readlink(data / "published" / "current") == "good"
    assert sorted(p.name for p in (data / "published").iterdir()) == [".publish.lock", "current", "good"]


def test_a_pii_column_in_a_mart_stops_publishing(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, 1)
    conn = duckdb.connect(str(warehouse))
    conn.execute("alter table marts.program_roi add column work_email varchar")
    conn.close()
    with pytest.raises(PublishError, match="program_roi.work_email"):
        publish(warehouse, tmp_path / "data", "t", pii={"work_email"})
    assert not (tmp_path / "data" / "serving.duckdb").exists()
    assert Layout(tmp_path / "data").current_run_id() is None


def test_only_the_newest_published_runs_are_kept(tmp_path, warehouses):
    data = tmp_path / "data"
    for n in range(4):
        publish(warehouses[n % 2], data, f"run{n}", keep=2)
    assert sorted(p.name for p in (data / "published").iterdir() if not p.name.startswith(".")) == [
        "current", "run2", "run3"
    ]


def test_rollback_points_back_to_the_previous_run_byte_for_byte(tmp_path, warehouses):
    data = tmp_path / "data"
    publish(warehouses[0], data, "first")
    first = {p.relative_to(data / "exports"): p.read_bytes() for p in (data / "exports").iterdir()}
    first_serving = (data / "serving.duckdb").read_bytes()
    publish(warehouses[1], data, "second")
    assert generation_seen(data) == (1, 1)

    assert rollback(Layout(data)) == ("second", "first")
    assert (data / "serving.duckdb").read_bytes() == first_serving
    assert {p.relative_to(data / "exports"): p.read_bytes() for p in (data / "exports").iterdir()} == first
    with pytest.raises(PublishError, match="no earlier published run"):
        rollback(Layout(data))
    # The run rolled back from is dropped by the next publish, which replaces "first".
    publish(warehouses[1], data, "third")
    assert Layout(data).history() == ["third", "first"]
    assert not (data / "published" / "second").exists()


def test_stale_temporary_files_and_unswitched_folders_are_swept(tmp_path, warehouses):
    data = tmp_path / "data"
    publish(warehouses[0], data, "first")
    published = data / "published"
    (published / ".killed-run.1234abcd.tmp" / "exports").mkdir(parents=True)  # a half-written folder
    os.symlink("first", published / ".current.5678abcd.tmp")  # a pointer never renamed
    (published / "never-switched").mkdir()  # complete, but the switch never happened
    (published / "never-switched" / RECORD).write_text(json.dumps({"previous_run_id": "first"}))
    (data / ".serving.duckdb.oldrun.tmp").write_bytes(b"x")  # the layout before published/
    (data / "last_published_run.json").write_text("{}")

    publish(warehouses[1], data, "second")
    assert sorted(p.name for p in published.iterdir()) == [".publish.lock", "current", "first", "second"]
    assert sorted(p.name for p in data.iterdir()) == ["exports", "published", "serving.duckdb"]


def test_a_legacy_serving_file_and_exports_folder_become_the_stable_links(tmp_path, warehouses):
    data = tmp_path / "data"
    (data / "exports").mkdir(parents=True)
    (data / "exports" / "program_roi.parquet").write_bytes(b"old")
    (data / "serving.duckdb").write_bytes(b"old")
    publish(warehouses[1], data, "new")
    assert (data / "serving.duckdb").is_symlink() and (data / "exports").is_symlink()
    assert generation_seen(data) == (1, 1)
    publish(warehouses[0], data, "newer")
    assert not [p for p in (data / "published").iterdir() if "legacy" in p.name]


# Run in a child process that SIGKILLs itself at one point of a publish.
KILLED_PUBLISH = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import dagster_project.publish.serving as serving
    import dagster_project.publish.switch as published

    warehouse, data, point = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "before_exports":  # the serving file is written, the Parquet files not yet
        serving.write_exports = lambda *args: die()
    elif point in ("before_switch", "after_switch"):
        switch = published.switch
        def patched(layout, run_id):
            if point == "before_switch":
                die()
            switch(layout, run_id)
            die()
        published.switch = patched
    serving.publish_marts(warehouse, data, "second", "v1.1.0")
    """
)


@pytest.mark.parametrize(
    ("point", "published_after"),
    [("before_exports", "first"), ("before_switch", "first"), ("after_switch", "second")],
)
def test_a_publish_killed_at_any_point_leaves_one_whole_run_published(tmp_path, warehouses, point, published_after):
    data = tmp_path / "data"
    publish(warehouses[0], data, "first")
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, str(warehouses[1]), str(data), point], capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    layout = Layout(data)
    assert layout.current_run_id() == published_after
    assert layout.record(published_after) is not None
    generation = 0 if published_after == "first" else 1
    assert generation_seen(data) == (generation, generation)

    publish(warehouses[0], data, "third")
    assert not [p for p in (data / "published").iterdir() if p.name.endswith(".tmp")]
    assert generation_seen(data) == (0, 0)


def test_pii_names_come_from_contracts_and_dbt_meta():
    from dagster_project.dbt_project import ensure_manifest
    from dagster_project.publish.pii import pii_column_names

    names = pii_column_names(ensure_manifest())
    assert {"work_email", "legal_name", "annual_base_pay", "respondent_email", "email"} <= names
    assert "person_key" not in names and "program_id" not in names


def test_a_mart_that_lost_more_than_the_allowed_share_of_its_rows_is_named():
    from dagster_project.publish.gate import shrinkage

    previous = {"program_impact": 6, "learner_outcomes": 1000, "program_roi": 4}
    assert shrinkage(previous, {"program_impact": 6, "learner_outcomes": 100, "program_roi": 4}, 0.5) == [
        "learner_outcomes: 1000 -> 100 rows (-90%)"
    ]
    assert shrinkage(previous, {"program_impact": 3, "learner_outcomes": 600, "program_roi": 4}, 0.5) == []
    assert shrinkage(previous, {}, 0.5) == [
        "learner_outcomes: 1000 -> 0 rows (-100%)", "program_impact: 6 -> 0 rows (-100%)", "program_roi: 4 -> 0 rows (-100%)"
    ]
    assert shrinkage({}, {"program_impact": 6}, 0.5) == []  # the first publish
