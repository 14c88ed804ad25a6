"""The dbt project as Dagster assets: every model and seed an asset, every dbt test
an asset check, sources mapped onto the raw ingest assets."""


import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from .resources import ImpactSettings
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


class ImpactDbtTranslator(DagsterDbtTranslator):
    """Asset keys and groups follow the layers: raw/<system>__<feed> for sources,
    <layer>/<model> for models."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", f"{dbt_resource_props['source_name']}__{dbt_resource_props['name']}"])
        return AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        return self._layer(dbt_resource_props)

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "reference"
        fqn = props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "models"


translator = ImpactDbtTranslator()


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, impact: ImpactSettings):
    settings = impact.settings()
    settings.export_to_environment()
    yield from dbt.cli(["build", "--vars", json.dumps(settings.dbt_vars())], context=context).stream()
