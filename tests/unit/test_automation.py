"""The landing sensor asks for a run exactly when the ledger has not loaded a file."""

import shutil

import duckdb
from dagster import RunRequest, SkipReason, build_sensor_context

from dagster_project.automation import build_landing_sensor, unloaded_files
from dagster_project.definitions import JOB_NAME, build_definitions
from dagster_project.ingest.contracts import load_contracts
from dagster_project.ingest.loader import load_feed
from tests.helpers import make_settings


def test_sensor_requests_a_run_for_new_files_and_skips_when_all_are_loaded(small_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing / "hris", landing / "hris")
    settings = make_settings(tmp_path / "data", landing)
    settings.ensure_dirs()
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    sensor = build_landing_sensor(job, settings)

    pending = unloaded_files(settings)
    assert pending and all(p.startswith("landing/hris/workers/") or p.startswith("config/") for p in pending)
    assert isinstance(sensor(build_sensor_context()), RunRequest)

    conn = duckdb.connect(str(settings.warehouse_path))
    for contract in load_contracts():
        load_feed(conn, contract, settings.landing_dir, settings.config_dir)
    conn.close()
    assert unloaded_files(settings) == []
    assert isinstance(sensor(build_sensor_context()), SkipReason)

    newest = sorted((landing / "hris" / "workers").iterdir())[-1]
    newest.write_text(newest.read_text() + "\n")  # a re-delivery with changed bytes
    assert unloaded_files(settings) == [f"landing/hris/workers/{newest.name}"]
