"""The code location loads, and is what the UI and the CLI will see."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, Definitions
from syrupy.extensions.json import JSONSnapshotExtension

from dagster_project.definitions import JOB_NAME, build_definitions
from dagster_project.ingest.contracts import load_contracts
from tests.helpers import make_settings


def test_definitions_load_with_every_layer(tmp_path):
    defs = build_definitions(make_settings(tmp_path / "data", tmp_path / "landing"))
    Definitions.validate_loadable(defs)
    keys = set(defs.resolve_asset_graph().get_all_asset_keys())
    for contract in load_contracts():
        assert AssetKey(["raw", contract.name]) in keys
    for key in (
        ["staging", "stg_lms__xapi_statements"],
        ["intermediate", "int_people__person_versions"],
        ["marts", "program_impact"],
        ["marts", "program_roi"],
        ["serving", "published_marts"],
    ):
        assert AssetKey(key) in keys
    job = defs.resolve_job_def(JOB_NAME)
    assert job.executor_def.name == "in_process"
    # What the UI's "Materialize" runs, too: one process per run, one writer per DuckDB file.
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"
    assert {s.name for s in defs.schedules} == {"nightly_impact"}
    assert {s.name for s in defs.sensors} == {"new_landing_files"}


def test_blocking_checks_are_the_error_suites(tmp_path):
    defs = build_definitions(make_settings(tmp_path / "data", tmp_path / "landing"))
    specs = {spec.key.name: spec for checks in defs.asset_checks for spec in checks.check_specs}
    assert specs["gx_program_impact"].blocking
    assert specs["gx_raw_hris__workers_contract"].blocking
    assert not specs["gx_stg_lms__xapi_statements_verbs"].blocking


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "IMPACT_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path)}
    completed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def asset_graph_snapshot(defs: Definitions) -> dict:
    """What the code location offers, as names: every asset key with its group, every
    asset check key, and the jobs, schedules and sensors with what they run."""
    graph = defs.resolve_asset_graph()
    return {
        "assets": {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()},
        "asset_checks": sorted(key.to_user_string() for key in graph.asset_check_keys),
        "jobs": sorted(job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")),
        "schedules": {
            s.name: {"job": s.job_name, "cron": s.cron_schedule, "timezone": s.execution_timezone} for s in defs.schedules
        },
        "sensors": {s.name: {"jobs": sorted(job.name for job in s.jobs)} for s in defs.sensors},
    }


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_the_asset_graph_matches_its_snapshot(tmp_path, snapshot_json):
    """An asset, check, group, job, schedule or sensor added, renamed or dropped shows in
    review as a diff of tests/unit/__snapshots__/test_definitions/ (syrupy's JSON
    extension), and fails here until the snapshot is refreshed on purpose:

        .venv/bin/python -m pytest tests/unit/test_definitions.py -k snapshot --snapshot-update

    writes the snapshot from the current definitions; review the diff and commit it with
    the change."""
    defs = build_definitions(make_settings(tmp_path / "data", tmp_path / "landing"))
    assert asset_graph_snapshot(defs) == snapshot_json
