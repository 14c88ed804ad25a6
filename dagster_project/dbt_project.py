"""The dbt project, once: the cached DbtProject that the dbt assets, the publish asset,
the schedule and the run CLI all read (its manifest, its target folder), and the parse
that keeps its manifest current."""

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from .settings import DBT_PROJECT_DIR

# dbt is installed beside this interpreter (the project's venv); dagster-dbt looks for it on PATH.
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    paths = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        paths.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in paths)


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than its files,
    so that a fresh clone, `make run` and the tests need no separate step."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(dbt_project.project_dir):
        dbt_project.preparer.prepare(dbt_project)
    return manifest
