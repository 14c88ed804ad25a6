"""The dbt project as Dagster assets: every model and seed an asset, every dbt test
an asset check, sources mapped onto the raw ingest assets."""


import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from .processes import stop
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

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        # The marts are L&D analytics' product; everything under them is data engineering's.
        if self._layer(dbt_resource_props) == "marts":
            return ["team:ld-analytics"]
        return ["team:data-engineering"]

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


# Tables a data engineer wants to see at a glance on an asset's page, as Markdown.
PREVIEWS = {
    AssetKey(["intermediate", "int_people__match_rates"]): (
        "select source_system, identities, matched, unmatched, round(match_rate, 4) as match_rate "
        "from intermediate.int_people__match_rates order by source_system"
    ),
    AssetKey(["marts", "program_impact"]): (
        "select program_id, kpi, n_treated, n_comparison, round(effect, 3) as effect, "
        "round(effect_ci_low, 3) as ci_low, round(effect_ci_high, 3) as ci_high, suppressed "
        "from marts.program_impact order by program_id, kpi"
    ),
    AssetKey(["marts", "program_roi"]): (
        "select program_id, participants, round(cost_total) as cost_total, round(benefit) as benefit, "
        "round(roi_pct, 1) as roi_pct, currency from marts.program_roi order by program_id"
    ),
    AssetKey(["marts", "program_scorecard"]): "select program_id, verdict from marts.program_scorecard order by 1",
}


def _previews(warehouse: Path) -> dict[AssetKey, MetadataValue]:
    previews = {}
    try:
        conn = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return previews
    try:
        for key, sql in PREVIEWS.items():
            try:
                previews[key] = MetadataValue.md(conn.execute(sql).df().to_markdown(index=False))
            except duckdb.Error:
                continue
    finally:
        conn.close()
    return previews


def _with_previews(context: AssetExecutionContext, events: list, warehouse: Path):
    previews = _previews(warehouse)
    for event in events:
        if isinstance(event, Output):
            key = context.assets_def.keys_by_output_name.get(event.output_name)
            if key in previews:
                event = event.with_metadata({**event.metadata, "preview": previews[key]})
        yield event


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, impact: ImpactSettings):
    settings = impact.settings()
    settings.export_to_environment()
    # dbt holds the warehouse while it builds: previews are read once it has finished,
    # so events are passed on after the build (on failure, those that succeeded still are).
    events, failure, invocation = [], None, None
    target = settings.dbt_target_dir / context.run.run_id
    _seed_partial_parse(target)
    try:
        # The vars hold no secret: dbt reads the person-key secret from its environment
        # (see GuardedDbtCliResource), and the models only name the key.
        invocation = dbt.cli(["build", "--vars", json.dumps(settings.dbt_vars())], context=context, target_path=target)
        for event in invocation.stream():
            events.append(event)
    except Exception as error:  # re-raised below, after the successful models are reported
        failure = error
    finally:
        # However the stream ended (an error while reading dbt's events, an interrupt),
        # dbt does not go on writing to the warehouse behind the run's back.
        if invocation is not None:
            stop(invocation.process)
    yield from _with_previews(context, events, settings.warehouse_path)
    prune_target_dirs(settings.dbt_target_dir, keep=KEEP_DBT_TARGETS)
    if failure is not None:
        raise failure


KEEP_DBT_TARGETS = 10


def _seed_partial_parse(target: Path) -> None:
    """dagster-dbt copies the project's partial-parse file into the run's target folder,
    keeping its (world-readable) mode; copied here first, it is created owner-only."""
    source = Path(dbt_project.project_dir) / dbt_project.target_path / "partial_parse.msgpack"
    if source.exists():
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(source, target / source.name)


def prune_target_dirs(root: Path, keep: int) -> None:
    """Each run's dbt artifacts and logs go to their own folder; keep the newest few."""
    runs = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
