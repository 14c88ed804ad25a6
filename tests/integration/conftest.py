"""One real pipeline run per session: real DuckDB files, real dbt build through
dagster-dbt, real GX validations, a real (temporary) Dagster instance."""

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, ExecuteInProcessResult

from dagster_project.definitions import JOB_NAME, build_definitions
from dagster_project.settings import Settings
from tests.helpers import make_settings


@dataclass
class PipelineRun:
    settings: Settings
    result: ExecuteInProcessResult
    instance: DagsterInstance

    def query(self, sql: str, params=None) -> list[tuple]:
        conn = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()

    def frame(self, sql: str):
        conn = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            return conn.execute(sql).df()
        finally:
            conn.close()


def run_pipeline(settings: Settings, instance: DagsterInstance) -> ExecuteInProcessResult:
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    return job.execute_in_process(instance=instance, raise_on_error=False)


@pytest.fixture(scope="session")
def dagster_instance(session_root: Path):
    home = session_root / "dagster-home"
    home.mkdir(parents=True, exist_ok=True)
    with DagsterInstance.local_temp(str(home)) as instance:
        yield instance


@pytest.fixture(scope="session")
def pipeline(session_root, small_landing, dagster_instance) -> PipelineRun:
    settings = make_settings(session_root / "pipeline-data", small_landing)
    result = run_pipeline(settings, dagster_instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return PipelineRun(settings, result, dagster_instance)
