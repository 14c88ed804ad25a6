"""Publishing swaps whole files: readers never block and never see a mix."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from dagster import Failure

from dagster_project.publish import publish_marts


def build_warehouse(path: Path, generation: int) -> None:
    """A warehouse whose two marts agree on a generation number and a row count."""
    conn = duckdb.connect(str(path))
    conn.execute("create schema if not exists marts")
    rows = 100 + generation
    conn.execute(f"create or replace table marts.program_impact as select {generation} as generation, range as i from range({rows})")
    conn.execute(f"create or replace table marts.program_roi as select {generation} as generation, range as i from range({rows})")
    conn.close()


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    serving, seconds = sys.argv[1], float(sys.argv[2])
    deadline = time.monotonic() + seconds
    reads = 0
    while time.monotonic() < deadline:
        conn = duckdb.connect(serving, read_only=True)
        a = conn.execute("select min(generation), max(generation), count(*) from program_impact").fetchall()[0]
        b = conn.execute("select min(generation), max(generation), count(*) from program_roi").fetchall()[0]
        conn.close()
        if a != b or a[0] != a[1] or a[2] != 100 + a[0]:
            print(f"MIXED {a} {b}")
            sys.exit(1)
        reads += 1
    print(f"OK {reads}")
    """
)


def test_reader_never_blocks_nor_sees_a_mix_while_runs_publish(tmp_path):
    serving = tmp_path / "serving.duckdb"
    exports = tmp_path / "exports"
    warehouses = [tmp_path / f"warehouse{g}.duckdb" for g in range(2)]
    for generation, warehouse in enumerate(warehouses):
        build_warehouse(warehouse, generation)
    publish_marts(warehouses[0], serving, exports, "v1.1.0", tag="first")

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    publications = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        publish_marts(warehouses[publications % 2], serving, exports, "v1.1.0", tag=f"p{publications}")
        publications += 1
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, out + err
    assert out.startswith("OK"), out
    assert int(out.split()[1]) > 10
    assert publications > 3


def test_serving_file_is_written_in_a_storage_format_duckdb_1_1_reads(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, 1)
    publish_marts(warehouse, tmp_path / "serving.duckdb", tmp_path / "exports", "v1.1.0", tag="t")
    header = (tmp_path / "serving.duckdb").read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    # The main header's storage version: 64 is the format DuckDB 0.10 to 1.1 read and
    # write; DuckDB 2.0's own default is a newer one that 1.x cannot open.
    assert int.from_bytes(header[12:20], "little") == 64


def test_parquet_exports_match_the_serving_tables(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, 3)
    counts = publish_marts(warehouse, tmp_path / "serving.duckdb", tmp_path / "exports", "v1.1.0", tag="t")
    assert counts == {"program_impact": 103, "program_roi": 103}
    for table, count in counts.items():
        parquet = tmp_path / "exports" / f"{table}.parquet"
        assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall()[0][0] == count
    assert not list((tmp_path / "exports").glob(".*tmp")), "no staged file is left behind"


def test_a_failed_publish_leaves_the_last_serving_file_untouched(tmp_path):
    good = tmp_path / "good.duckdb"
    build_warehouse(good, 1)
    serving = tmp_path / "serving.duckdb"
    publish_marts(good, serving, tmp_path / "exports", "v1.1.0", tag="good")
    before = serving.read_bytes()
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(Failure, match="no tables to publish"):
        publish_marts(empty, serving, tmp_path / "exports", "v1.1.0", tag="bad")
    assert serving.read_bytes() == before
    assert not list(tmp_path.glob(".serving*"))


def test_a_pii_column_in_a_mart_stops_publishing(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, 1)
    conn = duckdb.connect(str(warehouse))
    conn.execute("alter table marts.program_roi add column work_email varchar")
    conn.close()
    with pytest.raises(Exception, match="program_roi.work_email"):
        publish_marts(warehouse, tmp_path / "serving.duckdb", tmp_path / "exports", "v1.1.0", tag="t", pii={"work_email"})
    assert not (tmp_path / "serving.duckdb").exists()


def test_pii_names_come_from_contracts_and_dbt_meta():
    from dagster_project.publish import pii_column_names
    from dagster_project.transform import ensure_manifest

    names = pii_column_names(ensure_manifest())
    assert {"work_email", "legal_name", "annual_base_pay", "respondent_email", "email"} <= names
    assert "person_key" not in names and "program_id" not in names


def test_a_mart_that_lost_more_than_the_allowed_share_of_its_rows_is_named():
    from dagster_project.publish import shrinkage

    previous = {"program_impact": 6, "learner_outcomes": 1000, "program_roi": 4}
    assert shrinkage(previous, {"program_impact": 6, "learner_outcomes": 100, "program_roi": 4}, 0.5) == [
        "learner_outcomes: 1000 -> 100 rows (-90%)"
    ]
    assert shrinkage(previous, {"program_impact": 3, "learner_outcomes": 600, "program_roi": 4}, 0.5) == []
    assert shrinkage(previous, {}, 0.5) == [
        "learner_outcomes: 1000 -> 0 rows (-100%)", "program_impact: 6 -> 0 rows (-100%)", "program_roi: 4 -> 0 rows (-100%)"
    ]
    assert shrinkage({}, {"program_impact": 6}, 0.5) == []  # the first publish
