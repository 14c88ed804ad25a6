"""Shared fixtures. Settings are read from the environment when the project is
imported, so every IMPACT_* variable points at a temporary folder before that."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI runs the property tests on a fixed set of examples, so that a green run stays
# green; locally each run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

_SESSION_ROOT = Path(tempfile.mkdtemp(prefix="impact-tests-"))
for _name in list(os.environ):
    if _name.startswith("IMPACT_"):
        del os.environ[_name]
os.environ["IMPACT_DATA_DIR"] = str(_SESSION_ROOT / "import-time-data")
os.environ["IMPACT_LANDING_DIR"] = str(_SESSION_ROOT / "import-time-landing")
os.environ["DAGSTER_HOME"] = str(_SESSION_ROOT / "import-time-dagster-home")
os.environ["GX_ANALYTICS_ENABLED"] = "False"

from tests.helpers import make_settings  # noqa: E402,F401


@pytest.fixture(scope="session")
def session_root() -> Path:
    yield _SESSION_ROOT
    shutil.rmtree(_SESSION_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def small_sample(session_root) -> tuple[Path, dict]:
    """The generator's small sample, written once per session (read-only for tests),
    with the generator's summary of what it planted."""
    from sources.generator import generate

    landing = session_root / "small-landing"
    summary = generate(landing, scale="small", seed=7)
    return landing, summary


@pytest.fixture(scope="session")
def small_landing(small_sample) -> Path:
    return small_sample[0]


# --------------------------------------------------------------------------- one real pipeline run per session


@pytest.fixture(scope="session")
def dagster_instance(session_root: Path):
    from dagster import DagsterInstance

    from dagster_project.instance import write_instance_config

    home = session_root / "dagster-home"
    home.mkdir(parents=True, exist_ok=True)
    write_instance_config(home)
    with DagsterInstance.local_temp(str(home)) as instance:
        yield instance


@pytest.fixture(scope="session")
def pipeline(session_root, small_landing, dagster_instance):
    """Real DuckDB files, real dbt build through dagster-dbt, real GX validations, a real
    (temporary) Dagster instance, on the generator's small realistic sample: shared by
    the integration and browser tests."""
    from tests.helpers import PipelineRun, run_pipeline

    settings = make_settings(session_root / "pipeline-data", small_landing)
    result = run_pipeline(settings, dagster_instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return PipelineRun(settings, result, dagster_instance)
