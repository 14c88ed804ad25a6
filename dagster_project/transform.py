"""The dbt project as Dagster assets: every model and seed an asset, every dbt test
an asset check, sources mapped onto the raw ingest assets. Each built model reports its
row count (tables) and its columns with their types and descriptions; the marts and
match rates show a Markdown preview."""


import contextlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, MetadataValue, Output, TableColumn, TableSchema
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import default_description_fn

from . import groups
from .processes import stop
from .report import formats
from .report.labels import label
from .resources import ImpactSettings
from .settings import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

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
            return groups.RAW
        layer = self._layer(dbt_resource_props)
        return groups.BY_LAYER.get(layer, layer)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # The model's description alone: its SQL is one click away in the dbt docs and the
        # code, and made every asset page a wall of Jinja.
        return default_description_fn(dbt_resource_props, display_raw_sql=False)

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "reference"
        fqn = props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "models"


translator = ImpactDbtTranslator()


# Tables a data engineer wants to see at a glance on an asset's page, as Markdown: a
# few columns each (so the table fits the page), headed by their labels (report/labels.py),
# figures as people read them, "–" for a null.
def _text(v, row):
    return str(v)


def _int(v, row):
    return formats.integer(v)


def _rate(v, row):
    return formats.share(v, 1)


PREVIEWS: dict[AssetKey, tuple[str, dict[str, Any]]] = {
    AssetKey(["intermediate", "int_people__match_rates"]): (
        "select source_system, identities, matched, unmatched, match_rate "
        "from intermediate.int_people__match_rates order by source_system",
        {"source_system": _text, "identities": _int, "matched": _int, "unmatched": _int, "match_rate": _rate},
    ),
    AssetKey(["marts", "program_impact"]): (
        "select program_id, kpi, kpi_unit, n_treated, n_comparison, effect, effect_ci_low, effect_ci_high, "
        "effect_p_adjusted, suppressed from marts.program_impact order by program_id, kpi",
        {
            "program_id": _text, "kpi": _text, "n_treated": _int, "n_comparison": _int,
            "effect": lambda v, r: formats.kpi_change(v, r["kpi_unit"]),
            "effect_ci_low": lambda v, r: formats.kpi_number(v, r["kpi_unit"], sign=True),
            "effect_ci_high": lambda v, r: formats.kpi_number(v, r["kpi_unit"], sign=True),
            "effect_p_adjusted": lambda v, r: formats.p_value(v),
            "suppressed": lambda v, r: "yes" if v else "",
        },
    ),
    AssetKey(["marts", "program_roi"]): (
        "select program_id, participants, cost_total, benefit, roi_pct, currency from marts.program_roi order by program_id",
        {
            "program_id": _text, "participants": _int,
            "cost_total": lambda v, r: formats.money(v, r["currency"]),
            "benefit": lambda v, r: formats.money(v, r["currency"]),
            "roi_pct": lambda v, r: formats.percent(v, sign=True),
        },
    ),
    AssetKey(["marts", "program_scorecard"]): (
        "select program_id, activity_learners_enrolled, activity_completion_rate, l1_reaction_mean, verdict "
        "from marts.program_scorecard order by 1",
        {
            "program_id": _text, "activity_learners_enrolled": _int, "activity_completion_rate": _rate,
            "l1_reaction_mean": lambda v, r: formats.number(v, 1), "verdict": _text,
        },
    ),
}


def markdown_table(columns: list[str], rows: list[dict[str, Any]], shown: dict[str, Any]) -> str:
    """A Markdown table of `shown` columns, labelled, each value through its formatter
    (called with the value and the whole row); null reads "–"."""

    def cell(column: str, row: dict[str, Any]) -> str:
        value = row.get(column)
        if formats.missing(value):
            return formats.MISSING
        text = shown[column](value, row)
        return str(text).replace("|", "\\|").replace("\n", " ") or " "

    names = [c for c in shown if c in columns]
    lines = ["| " + " | ".join(label(c) for c in names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(c, row) for c in names) + " |" for row in rows]
    return "\n".join(lines)


def _previews(warehouse: Path) -> dict[AssetKey, MetadataValue]:
    previews = {}
    try:
        conn = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return previews
    try:
        for key, (sql, shown) in PREVIEWS.items():
            try:
                rel = conn.sql(sql)
                rows = [dict(zip(rel.columns, r)) for r in rel.fetchall()]
                previews[key] = MetadataValue.md(markdown_table(rel.columns, rows, shown))
            except Exception as error:  # noqa: BLE001 - a preview never fails the build
                log.warning(f"no preview for {key.to_user_string()}: {error}")
    finally:
        conn.close()
    return previews


def _manifest_columns(manifest: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    return {
        unique_id: {name: (c.get("description") or "") for name, c in node.get("columns", {}).items()}
        for unique_id, node in manifest.get("nodes", {}).items()
    }


def _described(metadata: Mapping[str, Any], descriptions: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The column schema dbt's adapter read from the warehouse (names and types) with each
    column's description from the dbt YAML: what the asset page's column table shows."""
    schema = metadata.get("dagster/column_schema")
    unique_id = metadata.get("unique_id")
    unique_id = getattr(unique_id, "text", unique_id)
    schema = getattr(schema, "schema", schema)
    if not isinstance(schema, TableSchema) or unique_id not in descriptions:
        return {}
    described = descriptions[unique_id]
    columns = [
        TableColumn(name=c.name, type=c.type, description=c.description or described.get(c.name) or None,
                    constraints=c.constraints, tags=c.tags)
        for c in schema.columns
    ]
    return {"dagster/column_schema": TableSchema(columns=columns)}


def _with_previews(context: AssetExecutionContext, events: list, warehouse: Path, manifest: Mapping[str, Any] | None = None):
    previews = _previews(warehouse)
    descriptions = _manifest_columns(manifest or {})
    for event in events:
        if isinstance(event, Output):
            key = context.assets_def.keys_by_output_name.get(event.output_name)
            extra = _described(event.metadata, descriptions)
            if key in previews:
                extra["preview"] = previews[key]
            if extra:
                event = event.with_metadata({**event.metadata, **extra})
        yield event


def _release_adapter(invocation) -> None:
    """dagster-dbt's in-process dbt adapter (row counts, column types) holds a read-only
    DuckDB connection to the warehouse; the checks after this step open it for writing."""
    adapter = getattr(invocation, "adapter", None)
    if adapter is None:
        return
    with contextlib.suppress(Exception):  # best effort: closing below matters more
        adapter.cleanup_connections()
    manager = type(adapter.connections)
    env = getattr(manager, "_ENV", None)
    if env is not None:
        with contextlib.suppress(Exception):
            env.close()
    if hasattr(manager, "close_all_connections"):
        manager.close_all_connections()


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, impact: ImpactSettings):
    settings = impact.settings()
    settings.export_to_environment()
    # dbt holds the warehouse while it builds: row counts, column types and previews are
    # read once it has finished (dagster-dbt waits for the dbt process on DuckDB, whose
    # file allows one writer), so events are passed on after the build (on failure, those
    # that succeeded still are).
    events, failure, invocation = [], None, None
    target = settings.dbt_target_dir / context.run.run_id
    _seed_partial_parse(target)
    try:
        # The vars hold no secret: dbt reads the person-key secret from its environment
        # (see GuardedDbtCliResource), and the models only name the key.
        invocation = dbt.cli(["build", "--vars", json.dumps(settings.dbt_vars())], context=context, target_path=target)
        stream = invocation.stream().fetch_row_counts().fetch_column_metadata(with_column_lineage=False)
        for event in stream:
            events.append(event)
    except Exception as error:  # re-raised below, after the successful models are reported
        failure = error
    finally:
        # However the stream ended (an error while reading dbt's events, an interrupt),
        # dbt does not go on writing to the warehouse behind the run's back.
        if invocation is not None:
            stop(invocation.process)
            _release_adapter(invocation)
    yield from _with_previews(context, events, settings.warehouse_path, invocation.manifest if invocation else None)
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
