"""Resources, configured from the IMPACT_* settings: the DuckDB warehouse, the dbt
CLI, and the settings themselves for assets that need paths or thresholds.

No resource holds the person-key secret: resource configuration shows in the UI and
is stored with every run's job snapshot. They hold its fingerprint; the secret stays
in this process's memory (dagster_project.keys) and reaches dbt's environment only."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from . import keys
from .processes import PROCESS_TAG, mark_dead_runs_failed, process_identity
from .settings import Settings, private_files

# dbt_executable: dbt in a process group of its own, killed with the run (processes.py).
GUARDED_DBT = Path(__file__).resolve().parent / "bin" / "guarded-dbt"


class ImpactSettings(ConfigurableResource):
    """The run's settings, visible in the Dagster UI's resource page."""

    landing_dir: str
    config_dir: str
    data_dir: str
    # Which secret person_key is made with: a fingerprint, never the secret.
    person_key_secret_id: str
    landing_is_sample: bool
    secret_is_default: bool
    window_days: int
    min_group_size: int
    match_rate_threshold: float
    serving_storage_version: str
    row_rule_tolerance: float
    max_shrink: float
    censoring_quantile: float
    anticipation_weeks: int
    keep_published: int
    pay_load_factor: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "ImpactSettings":
        return cls(
            landing_dir=str(settings.landing_dir),
            config_dir=str(settings.config_dir),
            data_dir=str(settings.data_dir),
            person_key_secret_id=keys.register(settings.person_key_secret),
            landing_is_sample=settings.landing_is_sample,
            secret_is_default=settings.secret_is_default,
            window_days=settings.window_days,
            min_group_size=settings.min_group_size,
            match_rate_threshold=settings.match_rate_threshold,
            serving_storage_version=settings.serving_storage_version,
            row_rule_tolerance=settings.row_rule_tolerance,
            max_shrink=settings.max_shrink,
            censoring_quantile=settings.censoring_quantile,
            anticipation_weeks=settings.anticipation_weeks,
            keep_published=settings.keep_published,
            pay_load_factor=settings.pay_load_factor,
        )

    def settings(self) -> Settings:
        return Settings(
            landing_dir=Path(self.landing_dir),
            config_dir=Path(self.config_dir),
            data_dir=Path(self.data_dir),
            person_key_secret=keys.lookup(self.person_key_secret_id),
            landing_is_sample=self.landing_is_sample,
            secret_is_default=self.secret_is_default,
            window_days=self.window_days,
            min_group_size=self.min_group_size,
            match_rate_threshold=self.match_rate_threshold,
            serving_storage_version=self.serving_storage_version,
            row_rule_tolerance=self.row_rule_tolerance,
            max_shrink=self.max_shrink,
            censoring_quantile=self.censoring_quantile,
            anticipation_weeks=self.anticipation_weeks,
            keep_published=self.keep_published,
            pay_load_factor=self.pay_load_factor,
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """At the start of every run, however launched (`make run`, the UI, the schedule):
        record which process executes it, and fail the runs whose process died."""
        instance, run = context.instance, context.run
        if instance is None or run is None:
            return
        if PROCESS_TAG not in run.tags:
            instance.add_run_tags(run.run_id, {PROCESS_TAG: process_identity()})
        for said in mark_dead_runs_failed(instance, exclude_run_id=run.run_id):
            if context.log:
                context.log.warning(said)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class GuardedDbtCliResource(DbtCliResource):
    """dbt as the pipeline runs it: through `guarded-dbt` (own process group, killed when
    the run dies), with the person-key secret in dbt's environment as
    DBT_ENV_SECRET_IMPACT_PERSON_KEY, set only while dagster-dbt starts the process."""

    person_key_secret_id: str = ""

    def cli(self, args, **kwargs):
        secret = {keys.DBT_SECRET_ENV: keys.lookup(self.person_key_secret_id)} if self.person_key_secret_id else {}
        with _environment(secret):
            return super().cli(args, **kwargs)


def build_resources(settings: Settings, dbt_project_dir: Path) -> dict:
    private_files()
    settings.ensure_dirs()
    settings.export_to_environment()
    # What guarded-dbt execs: this interpreter (the project's venv) and the dbt beside it.
    venv_dbt = Path(sys.executable).parent / "dbt"
    os.environ["IMPACT_DBT_PYTHON"] = sys.executable
    os.environ["IMPACT_DBT_REAL"] = str(venv_dbt) if venv_dbt.exists() else (shutil.which("dbt") or "dbt")
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": GuardedDbtCliResource(
            project_dir=str(dbt_project_dir),
            profiles_dir=str(dbt_project_dir),
            dbt_executable=str(GUARDED_DBT),
            person_key_secret_id=keys.register(settings.person_key_secret),
        ),
        "impact": ImpactSettings.from_settings(settings),
    }
