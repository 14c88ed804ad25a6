"""Small helpers shared by the tests."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
from dagster import DagsterInstance, ExecuteInProcessResult

from dagster_project.keys import DBT_SECRET_ENV
from dagster_project.settings import DBT_PROJECT_DIR, SAMPLE_CONFIG_DIR, Settings

# The person-key secret of the tests' pipeline runs: a known value, so that tests can
# look for it everywhere a run writes (it must be nowhere) and recompute keys.
TEST_SECRET = "tests-person-key-secret-7f3a9c1e5b2d8f4a6c0e"

# Bootstrap resamples of the onboarding standard errors in the tests' pipeline runs: the
# default's 200 cost seconds per dbt build; the tests that check onboarding intervals
# (test_estimates) run with the default.
TEST_BOOTSTRAP_SAMPLES = 40


def make_settings(data_dir: Path, landing_dir: Path, config_dir: Path = SAMPLE_CONFIG_DIR, **overrides) -> Settings:
    settings = Settings(
        landing_dir=landing_dir,
        config_dir=config_dir,
        data_dir=data_dir,
        person_key_secret=TEST_SECRET,
        landing_is_sample=False,
        secret_is_default=False,
        bootstrap_samples=TEST_BOOTSTRAP_SAMPLES,
    )
    return replace(settings, **overrides)


@dataclass
class PipelineRun:
    """A finished pipeline run, with its warehouse to query."""

    settings: Settings
    result: ExecuteInProcessResult
    instance: DagsterInstance

    def query(self, sql: str, params=None) -> list[tuple]:
        conn = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()

    def published(self, sql: str) -> list[tuple]:
        """A query over what BI tools read: the published serving file."""
        conn = duckdb.connect(str(self.settings.serving_path), read_only=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def frame(self, sql: str):
        conn = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            return conn.execute(sql).df()
        finally:
            conn.close()


def run_pipeline(settings: Settings, instance: DagsterInstance) -> ExecuteInProcessResult:
    """The real job (ingest, dbt build, GX audits, publish) in this process."""
    from dagster_project.definitions import JOB_NAME, build_definitions

    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    return job.execute_in_process(instance=instance, raise_on_error=False)


def run_estimates(settings: Settings, instance: DagsterInstance) -> ExecuteInProcessResult:
    """Ingest and the dbt build through the project's own Dagster assets, without the GX
    audits and publishing (they change no estimate): for tests and sweeps of the
    estimates on many worlds."""
    from dagster import AssetCheckKey, AssetKey

    from dagster_project.definitions import build_definitions

    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    keys = {k for k in job.asset_layer.asset_graph.materializable_asset_keys if k.path[0] != "serving"}
    # The landing folder's own check comes with its asset; GX and dbt-test checks do not.
    landing_check = AssetCheckKey(AssetKey(["raw", "landing_folder"]), "landing_files_recognised")
    subset = job.get_subset(asset_selection=keys, asset_check_selection={landing_check})
    return subset.execute_in_process(instance=instance, raise_on_error=False)


# The partial-parse file of the last dbt command per (warehouse, vars): see run_dbt.
_PARTIAL_PARSES: dict[tuple[str, str], Path] = {}


def run_dbt(settings: Settings, warehouse: Path, work_dir: Path, *args: str, **dbt_vars) -> str:
    """A real dbt command (run, build, ...) on the warehouse at `warehouse` (a copy, so
    that the session's pipeline stays as it was), with the run's settings and secret;
    dbt_vars override the settings' vars. Returns dbt's output; fails the test if dbt fails."""
    command_vars = json.dumps({**settings.dbt_vars(), **dbt_vars}, sort_keys=True)
    target = work_dir / "target"
    # dbt re-parses the whole project (seconds) unless it finds the partial-parse file of
    # an earlier command with the same profile (the warehouse path) and vars.
    earlier = _PARTIAL_PARSES.get((str(warehouse), command_vars))
    if earlier is not None and earlier.exists() and not (target / earlier.name).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(earlier, target / earlier.name)
    env = {
        **os.environ,
        "IMPACT_WAREHOUSE_PATH": str(warehouse),
        "IMPACT_CONFIG_DIR": str(settings.config_dir),
        DBT_SECRET_ENV: settings.person_key_secret,
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--vars", command_vars,
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(work_dir / "logs")],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    if (target / "partial_parse.msgpack").exists():
        _PARTIAL_PARSES[(str(warehouse), command_vars)] = target / "partial_parse.msgpack"
    return done.stdout

