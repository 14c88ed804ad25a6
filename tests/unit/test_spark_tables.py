"""The spark engine's results reach the warehouse the audits and the publish read
(dagster_project/spark_tables.py): what the dbt run built, cast to the marts' declared
types, all or nothing. The Parquet here is written by DuckDB in Spark's layout
(<schema>.db/<table>/part-*.parquet); the real Spark run is `make test-spark`."""

import json
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import Settings
from dagster_project.spark_tables import mirror_spark_build
from tests.helpers import make_settings


def _spark_table(spark: Path, schema: str, table: str, sql: str) -> None:
    folder = spark / f"{schema}.db" / table
    folder.mkdir(parents=True)
    duckdb.execute(f"copy ({sql}) to '{folder / 'part-00000.parquet'}' (format parquet)")


def _node(schema: str, name: str, resource_type: str = "model", columns: dict | None = None) -> dict:
    return {
        "resource_type": resource_type, "schema": schema, "name": name, "alias": name,
        "config": {"contract": {"enforced": columns is not None}},
        "columns": {c: {"name": c, "data_type": t} for c, t in (columns or {}).items()},
    }


@pytest.fixture
def build(tmp_path):
    """A Spark warehouse with a staging table, a mart (Spark's own types: decimal, string)
    and a model that failed, and the dbt target folder of the run that wrote them."""
    spark, target = tmp_path / "spark", tmp_path / "target"
    target.mkdir()
    _spark_table(spark, "staging", "stg_people", "select range as id, 'p' || range as name from range(5)")
    _spark_table(spark, "marts", "program_impact",
                 "select 'PRG-1' as program_id, 1.5::decimal(10, 6) as effect, 12::bigint as n_treated")
    _spark_table(spark, "intermediate", "int_stale", "select 1 as left_over_from_an_earlier_run")
    nodes = {
        "model.p.stg_people": _node("staging", "stg_people"),
        "model.p.program_impact": _node("marts", "program_impact", columns=
                                        {"program_id": "varchar", "effect": "double", "n_treated": "integer"}),
        "model.p.int_stale": _node("intermediate", "int_stale"),
        "test.p.not_null": {"resource_type": "test", "schema": "staging", "name": "not_null"},
    }
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    results = [{"unique_id": "model.p.stg_people", "status": "success"},
               {"unique_id": "model.p.program_impact", "status": "success"},
               {"unique_id": "model.p.int_stale", "status": "error"},
               {"unique_id": "test.p.not_null", "status": "pass"}]
    (target / "run_results.json").write_text(json.dumps({"results": results}))
    return spark, target


def test_what_spark_built_replaces_the_warehouse_relations_with_the_marts_declared_types(tmp_path, build):
    spark, target = build
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        # What a DuckDB build left: a view where Spark writes a table.
        conn.execute("create schema staging; create view staging.stg_people as select 1 as id")
    copied = mirror_spark_build(warehouse, {}, target, spark)
    assert copied == {"staging.stg_people": 5, "marts.program_impact": 1}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        kinds = dict(conn.execute("select table_schema || '.' || table_name, table_type from information_schema.tables").fetchall())
        types = dict(conn.execute("select column_name, column_type from (describe marts.program_impact)").fetchall())
    assert kinds == {"staging.stg_people": "BASE TABLE", "marts.program_impact": "BASE TABLE"}  # the failed model is not copied
    assert types == {"program_id": "VARCHAR", "effect": "DOUBLE", "n_treated": "INTEGER"}


def test_a_copy_that_fails_half_way_leaves_the_warehouse_as_it_was(tmp_path, build):
    spark, target = build
    (spark / "marts.db" / "program_impact" / "part-00000.parquet").write_bytes(b"not parquet")
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema staging; create table staging.stg_people as select 42 as id")
    with pytest.raises(duckdb.Error):
        mirror_spark_build(warehouse, {}, target, spark)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select id from staging.stg_people").fetchall() == [(42,)]


def test_the_engine_is_a_setting_with_a_clear_error(tmp_path):
    assert make_settings(tmp_path, tmp_path).engine == Settings.engine == "duckdb"
    assert make_settings(tmp_path, tmp_path, engine="spark").dbt_target == "spark"
    with pytest.raises(ValueError, match="IMPACT_ENGINE must be one of duckdb, spark, not 'snowflake'"):
        make_settings(tmp_path, tmp_path, engine="snowflake")


def test_the_spark_engine_without_the_spark_stack_says_how_to_install_it(tmp_path, monkeypatch):
    from dagster_project import resources

    monkeypatch.setattr(resources, "_importable", lambda module: module != "pyspark")
    with pytest.raises(RuntimeError, match=r"IMPACT_ENGINE=spark, but pyspark is not installed: pip install -e '\.\[spark\]'"):
        resources.require_spark_stack()
