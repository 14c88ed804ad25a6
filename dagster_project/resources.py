"""Resources, configured from the IMPACT_* settings: the DuckDB warehouse, the dbt
CLI, and the settings themselves for assets that need paths or thresholds.

No resource holds the person-key secret: resource configuration shows in the UI and
is stored with every run's job snapshot. They hold its fingerprint; the secret stays
in this process's memory (dagster_project.keys) and reaches dbt's environment only."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster import ConfigurableResource, Failure, InitResourceContext
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging import version

from . import keys
from .processes import PROCESS_TAG, WarehouseBusy, hold_run_lock, mark_dead_runs_failed, process_identity, release_run_lock
from .settings import Settings, private_files

# dbt_executable: dbt in a process group of its own, killed with the run (processes.py).
GUARDED_DBT = Path(__file__).resolve().parent / "bin" / "guarded-dbt"
# What guarded-dbt execs on IMPACT_ENGINE=spark: dbt's CLI with the Spark session's additions.
SPARK_DBT = Path(__file__).resolve().parent / "bin" / "spark-dbt"


# Settings' fields that are paths: a resource's configuration holds them as text.
PATH_FIELDS = ("landing_dir", "config_dir", "data_dir")

# The runs whose resources took the data directory's run lock (a `make run` takes it
# before its run starts, and lets go when it ends).
_LOCKS_TAKEN: set[str] = set()


class ImpactSettings(ConfigurableResource):
    """The run's settings, visible in the Dagster UI's resource page.

    One field per Settings field, each default written once, in Settings
    (tests/unit/test_settings.py keeps the two in step): paths as text, and the
    person-key secret as its fingerprint, person_key_secret_id."""

    landing_dir: str
    config_dir: str
    data_dir: str
    person_key_secret_id: str
    landing_is_sample: bool
    secret_is_default: bool
    window_days: int
    min_group_size: int
    match_rate_threshold: float
    serving_storage_version: str
    sample_scale: str
    row_rule_tolerance: float
    max_quarantine_share: float
    max_quarantined_lines_per_file: int
    max_shrink: float
    query_text_retention_days: int
    adoption_min_views: int
    adoption_window_days: int
    anticipation_weeks: int
    keep_published: int
    pay_load_factor: float
    max_comparisons_per_cell: int
    bootstrap_samples: int
    duckdb_threads: int
    duckdb_memory_limit: str
    engine: str
    dbt_unit_tests: bool
    publish_group: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ImpactSettings:
        values = {field.name: getattr(settings, field.name) for field in dataclasses.fields(Settings)}
        values["person_key_secret_id"] = keys.register(values.pop("person_key_secret"))
        return cls(**{name: str(value) if name in PATH_FIELDS else value for name, value in values.items()})

    def settings(self) -> Settings:
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values["person_key_secret"] = keys.lookup(values.pop("person_key_secret_id"))
        return Settings(**{name: Path(value) if name in PATH_FIELDS else value for name, value in values.items()})

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """At the start of every run, however launched (`make run`, the UI, the schedule):
        take the data directory's run lock for the whole run (a second run stops here,
        naming the first), record which process executes it, and fail the runs whose
        process died."""
        instance, run = context.instance, context.run
        if instance is None or run is None:
            return
        try:
            if hold_run_lock(Path(self.data_dir), run.run_id):
                _LOCKS_TAKEN.add(run.run_id)
        except WarehouseBusy as busy:
            raise Failure(description=str(busy)) from None
        if PROCESS_TAG not in run.tags:
            instance.add_run_tags(run.run_id, {PROCESS_TAG: process_identity()})
        for said in mark_dead_runs_failed(instance, exclude_run_id=run.run_id):
            if context.log:
                context.log.warning(said)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if context.run is not None and context.run.run_id in _LOCKS_TAKEN:
            _LOCKS_TAKEN.discard(context.run.run_id)
            release_run_lock(Path(self.data_dir))


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

    @cached_property
    def _cli_version(self) -> version.Version:
        # dagster-dbt asks the executable (`guarded-dbt --version`: a Python start and a dbt
        # import, seconds per run); the dbt it execs is this venv's dbt-core.
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt opens dbt's adapter in this process for its row-count and column
        # fetches; the pipeline reads those itself once dbt has finished (transform.py), so
        # the adapter would only cost start-up time and, on DuckDB, hold the warehouse open.
        return None

    def cli(self, args, **kwargs):
        secret = {keys.DBT_SECRET_ENV: keys.lookup(self.person_key_secret_id)} if self.person_key_secret_id else {}
        with _environment(secret):
            return super().cli(args, **kwargs)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def require_spark_stack() -> None:
    """IMPACT_ENGINE=spark needs the optional Spark stack; say how to get it, before any run starts."""
    missing = [name for name in ("pyspark", "dbt.adapters.spark") if not _importable(name)]
    if missing:
        raise RuntimeError(
            f"IMPACT_ENGINE=spark, but {' and '.join(missing)} is not installed: "
            "pip install -e '.[spark]' (or `make test-spark`, which installs it), with Java 17 on the PATH"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise RuntimeError(
            "IMPACT_ENGINE=spark needs Java 17 (`java` on the PATH, or JAVA_HOME): Debian's openjdk-17-jre-headless"
        )


def build_resources(settings: Settings, dbt_project_dir: Path) -> dict:
    private_files()
    settings.ensure_dirs()
    # The one place settings reach the environment: dbt's profile reads the warehouse path
    # and the config dir from it, in dbt's process. Runs execute where their definitions were built.
    settings.export_to_environment()
    # What guarded-dbt execs: this interpreter (the project's venv) and the dbt beside it.
    venv_dbt = Path(sys.executable).parent / "dbt"
    os.environ["IMPACT_DBT_PYTHON"] = sys.executable
    if settings.engine == "spark":
        require_spark_stack()
        os.environ["IMPACT_DBT_REAL"] = str(SPARK_DBT)
    else:
        os.environ["IMPACT_DBT_REAL"] = str(venv_dbt) if venv_dbt.exists() else (shutil.which("dbt") or "dbt")
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse_path), connection_config=settings.duckdb_config()),
        "dbt": GuardedDbtCliResource(
            project_dir=str(dbt_project_dir),
            profiles_dir=str(dbt_project_dir),
            dbt_executable=str(GUARDED_DBT),
            target=settings.dbt_target,
            person_key_secret_id=keys.register(settings.person_key_secret),
        ),
        "impact": ImpactSettings.from_settings(settings),
    }
