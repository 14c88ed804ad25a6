"""dbt's unit tests check the models' SQL on fixed rows. The pipeline's runs leave them
out (IMPACT_DBT_UNIT_TESTS, off by default, as dbt advises for production); the suite
runs every one of them here, with a real dbt on a copy of the session pipeline's
warehouse (unit tests read their inputs' column types from it)."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from dagster_project.settings import DBT_PROJECT_DIR
from tests.helpers import run_dbt

pytestmark = pytest.mark.integration


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests") or []:
            names.add(test["name"])
    return names


def executed(run_results: Path, kind: str) -> dict[str, str]:
    results = json.loads(run_results.read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith(kind + ".")}


def test_the_pipeline_builds_and_tests_the_data_without_the_unit_tests(pipeline):
    run_results = pipeline.settings.dbt_target_dir / pipeline.result.run_id / "run_results.json"
    assert executed(run_results, "model") and executed(run_results, "test")
    assert executed(run_results, "unit_test") == {}
    assert not [name for name in executed(run_results, "test") if "int_impact__unit_windows" in name]


def test_the_ephemeral_steps_key_tests_pass(pipeline, tmp_path):
    """The key tests of the ephemeral panel steps check their SQL, so they run here, not
    in every pipeline run (which leaves them out with the unit tests)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.settings.warehouse_path, warehouse)
    run_dbt(pipeline.settings, warehouse, tmp_path, "test", "--select", "config.materialized:ephemeral")
    results = executed(tmp_path / "target" / "run_results.json", "test")
    assert len(results) >= 9 and set(results.values()) == {"pass"}, results


def test_every_dbt_unit_test_passes(pipeline, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.settings.warehouse_path, warehouse)
    run_dbt(pipeline.settings, warehouse, tmp_path, "test", "--select", "test_type:unit")
    outcomes = executed(tmp_path / "target" / "run_results.json", "unit_test")
    declared = declared_unit_tests()
    assert len(declared) >= 18
    assert set(outcomes) == declared
    assert set(outcomes.values()) == {"pass"}, {name: status for name, status in outcomes.items() if status != "pass"}
