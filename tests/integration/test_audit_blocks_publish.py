"""Bad data makes the run fail at the right check and publishes nothing."""

import shutil

import duckdb
import pytest

from dagster_project.quality.engine import validate_suite
from dagster_project.quality.suites import load_suites
from tests.helpers import make_settings, run_pipeline


def test_duplicated_key_in_a_raw_file_fails_its_check_and_publishes_nothing(pipeline, small_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    snapshot = sorted((landing / "hris" / "workers").glob("workers_*.csv"))[-1]
    lines = snapshot.read_text().splitlines(keepends=True)
    snapshot.write_text("".join(lines + [lines[1]]))  # the same worker twice in one snapshot

    settings = make_settings(tmp_path / "data", landing)
    settings.ensure_dirs()
    shutil.copy(pipeline.settings.serving_path, settings.serving_path)  # yesterday's published marts
    yesterday = settings.serving_path.read_bytes()

    result = run_pipeline(settings, pipeline.instance)

    assert not result.success
    failed = {
        e.event_specific_data.asset_check_key.to_user_string()
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    }
    assert failed == {"raw/hris__workers:gx_raw_hris__workers_contract"}
    published = [m for m in result.get_asset_materialization_events() if m.asset_key.path[0] == "serving"]
    assert published == []
    assert settings.serving_path.read_bytes() == yesterday


@pytest.fixture
def tampered_warehouse(pipeline, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.settings.warehouse_path, copy)
    conn = duckdb.connect(str(copy))
    yield conn
    conn.close()


def suite(name):
    return next(s for s in load_suites() if s.name == name)


def test_marts_suite_catches_a_broken_interval(tampered_warehouse, tmp_path):
    settings = make_settings(tmp_path, tmp_path / "landing")
    assert validate_suite(tampered_warehouse, suite("program_impact"), settings).success
    tampered_warehouse.execute(
        "update marts.program_impact set effect_ci_low = effect + 1 where program_id = 'PRG-SUP' and not suppressed"
    )
    outcome = validate_suite(tampered_warehouse, suite("program_impact"), settings)
    assert not outcome.success
    assert [f["expectation"] for f in outcome.failures] == ["expect_column_pair_values_a_to_be_greater_than_b"]


def test_marts_suite_catches_a_pii_column_sneaking_in(tampered_warehouse, tmp_path):
    settings = make_settings(tmp_path, tmp_path / "landing")
    tampered_warehouse.execute("alter table marts.program_roi add column respondent_email varchar")
    outcome = validate_suite(tampered_warehouse, suite("program_roi"), settings)
    assert not outcome.success
    assert outcome.failures[0]["expectation"] == "expect_table_columns_to_match_set"


def test_marts_suite_catches_roi_not_equal_to_its_formula(tampered_warehouse, tmp_path):
    settings = make_settings(tmp_path, tmp_path / "landing")
    tampered_warehouse.execute("update marts.program_roi set roi_pct = roi_pct + 5 where program_id = 'PRG-SAL'")
    outcome = validate_suite(tampered_warehouse, suite("program_roi"), settings)
    assert not outcome.success
    assert outcome.failures[0]["unexpected_count"] == 1


def test_suppressed_rows_with_figures_fail_the_marts_suite(tampered_warehouse, tmp_path):
    settings = make_settings(tmp_path, tmp_path / "landing")
    tampered_warehouse.execute("update marts.program_impact set effect = 1.0 where suppressed")
    outcome = validate_suite(tampered_warehouse, suite("program_impact"), settings)
    assert not outcome.success


def test_publishing_alone_is_refused_so_unaudited_marts_never_reach_bi(pipeline, tmp_path):
    from dagster import AssetKey

    from dagster_project.definitions import build_definitions

    settings = make_settings(tmp_path / "data", pipeline.settings.landing_dir)
    settings.ensure_dirs()
    shutil.copy(pipeline.settings.warehouse_path, settings.warehouse_path)  # marts built by another run
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={AssetKey(["serving", "published_marts"])})
    result = job.execute_in_process(instance=pipeline.instance, raise_on_error=False)
    assert not result.success
    assert not settings.serving_path.exists()
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "not built in this run: marts/program_impact" in str(failure.event_specific_data.error)
    assert "not run: marts/program_impact:gx_program_impact" in str(failure.event_specific_data.error)
