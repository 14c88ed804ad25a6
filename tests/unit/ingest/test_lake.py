"""The raw tables as Parquet for Spark (dagster_project/ingest/lake.py)."""

import duckdb

from dagster_project.ingest.lake import export_raw_to_lake


def _warehouse(path, rows):
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists raw")
        conn.execute("create or replace table raw.hris__workers as select * from range(?) as t(employee_number)", [rows])
        conn.execute("create or replace table raw._file_ledger (file varchar, loaded_at timestamptz)")
        conn.execute("create schema if not exists staging")
        conn.execute("create or replace table staging.not_raw as select 1 as x")


def test_every_raw_table_lands_as_parquet_in_its_own_folder(tmp_path):
    warehouse, lake = tmp_path / "warehouse.duckdb", tmp_path / "lake" / "raw"
    _warehouse(warehouse, 3)
    assert export_raw_to_lake(warehouse, lake) == {"_file_ledger": 0, "hris__workers": 3}
    assert sorted(p.name for p in lake.iterdir()) == ["_file_ledger", "hris__workers"]
    count = duckdb.sql(f"select count(*) from read_parquet('{lake}/hris__workers/*.parquet')").fetchall()[0][0]
    assert count == 3


def test_a_second_export_replaces_the_first_whole(tmp_path):
    warehouse, lake = tmp_path / "warehouse.duckdb", tmp_path / "lake"
    _warehouse(warehouse, 3)
    export_raw_to_lake(warehouse, lake)
    _warehouse(warehouse, 5)
    export_raw_to_lake(warehouse, lake)
    assert list((lake / "hris__workers").iterdir()) == [lake / "hris__workers" / "part-0.parquet"]
    count = duckdb.sql(f"select count(*) from read_parquet('{lake}/hris__workers/*.parquet')").fetchall()[0][0]
    assert count == 5
    assert not [p for p in lake.iterdir() if p.name.startswith(".")]
