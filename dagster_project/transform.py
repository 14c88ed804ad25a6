"""The dbt project as Dagster assets: every model and seed an asset, every dbt test
an asset check, sources mapped onto the raw ingest assets. Each built model reports its
row count (tables) and its columns with their types and descriptions; the marts and
match rates show a Markdown preview."""


import json
import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, Config, MetadataValue, Output, TableColumn, TableSchema
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import default_description_fn

from . import groups
from .dbt_project import dbt_project, ensure_manifest
from .ingest import erasure
from .processes import stop
from .report import tables
from .report.columns import PREVIEWS
from .resources import ImpactSettings
from .spark_tables import mirror_spark_build

log = logging.getLogger(__name__)


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


def _previews(conn: duckdb.DuckDBPyConnection) -> dict[AssetKey, MetadataValue]:
    """The Markdown previews of the marts and match rates (report/columns.py: PREVIEWS):
    a few columns each, so that the table fits the asset's page."""
    previews = {}
    for path, view in PREVIEWS.items():
        key = AssetKey(list(path))
        try:
            names, rows = tables.query(conn, view.sql())
            shown = [c for c in view.columns if c.name in names]
            previews[key] = MetadataValue.md(tables.markdown(tables.headers(shown), tables.cells(shown, rows)))
        except Exception as error:  # noqa: BLE001 - a preview never fails the build
            log.warning(f"no preview for {key.to_user_string()}: {error}")
    return previews


def _built_metadata(conn: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per built model or seed (by unique_id): its row count (tables only: counting a
    view would run it) and its columns as the warehouse has them, each with its
    description from the dbt YAML. Read in one DuckDB connection once dbt has finished:
    dagster-dbt's own fetch (row counts, column metadata) opens dbt's adapter per model,
    which cost more than 20 s per run, most of the step's fixed overhead."""
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, kind in conn.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
    ).fetchall():
        columns.setdefault((schema, table), []).append((column, kind))
    tables_in_db = {
        (schema, name): kind
        for schema, name, kind in conn.execute(
            "select table_schema, table_name, table_type from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
    }
    built = {}
    for unique_id, node in manifest.get("nodes", {}).items():
        relation = (node.get("schema"), node.get("alias") or node.get("name"))
        if node.get("resource_type") not in ("model", "seed") or relation not in columns:
            continue
        described = {name: (c.get("description") or "") for name, c in node.get("columns", {}).items()}
        metadata: dict[str, Any] = {
            "dagster/column_schema": TableSchema(
                columns=[TableColumn(name=name, type=kind, description=described.get(name) or None)
                         for name, kind in columns[relation]]
            )
        }
        if tables_in_db.get(relation) == "BASE TABLE":
            schema, name = relation
            count = conn.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            metadata["dagster/row_count"] = MetadataValue.int(count)
        built[unique_id] = metadata
    return built


def _with_metadata(context: AssetExecutionContext, events: list, warehouse: Path, manifest: Mapping[str, Any] | None):
    """dbt's events, each built model's carrying its row count, described columns and
    (marts) preview."""
    previews, built = {}, {}
    try:
        conn = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        log.warning(f"no row counts, columns or previews: {error}")
        conn = None
    if conn is not None:
        try:
            previews = _previews(conn)
            built = _built_metadata(conn, manifest or {})
        finally:
            conn.close()
    for event in events:
        if isinstance(event, Output):
            key = context.assets_def.keys_by_output_name.get(event.output_name)
            unique_id = event.metadata.get("unique_id")
            extra = dict(built.get(getattr(unique_id, "text", unique_id), {}))
            if key in previews:
                extra["preview"] = previews[key]
            if extra:
                event = event.with_metadata({**event.metadata, **extra})
        yield event


class DbtBuildConfig(Config):
    """Run config of the dbt step (`make run ARGS=--full-refresh`, or the launchpad in the UI)."""

    full_refresh: bool = False
    """Rebuild the incremental models from all of raw (after a change to their code, say)
    instead of adding the rows loaded since their last build."""


def dbt_build_args(settings, full_refresh: bool) -> list[str]:
    """dbt's command line for the run. The vars hold no secret: dbt reads the person-key
    secret from its environment (see GuardedDbtCliResource), and the models only name
    the key."""
    args = ["build", "--vars", json.dumps(settings.dbt_vars())]
    if not settings.dbt_unit_tests:
        # As dbt advises: unit tests check the code, not the data, and run in CI. So do
        # the key tests of the ephemeral panel steps: each re-runs its step's SQL (12 s of
        # a nightly run on `large`), for a key no materialized table depends on alone.
        args += ["--exclude-resource-type", "unit_test", "--exclude", "config.materialized:ephemeral"]
    if full_refresh:
        args.append("--full-refresh")
    return args


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, impact: ImpactSettings, config: DbtBuildConfig):
    settings = impact.settings()
    # dbt holds the warehouse while it builds: row counts, column types and previews are
    # read once it has finished (DuckDB's file allows one writer), so events are passed on
    # after the build (on failure, those that succeeded still are).
    events, failure, invocation = [], None, None
    target = settings.dbt_target_dir / context.run.run_id
    _seed_partial_parse(target)
    # A person erased in this run must leave the incremental models too.
    full_refresh = config.full_refresh or bool(erasure.awaiting_publish(settings.warehouse_path))
    if full_refresh and not config.full_refresh:
        context.log.info("an erasure awaits its publish: dbt rebuilds every model in full")
    try:
        invocation = dbt.cli(dbt_build_args(settings, full_refresh), context=context, target_path=target)
        for event in invocation.stream():
            events.append(event)
    except Exception as error:  # re-raised below, after the successful models are reported
        failure = error
    finally:
        # However the stream ended (an error while reading dbt's events, an interrupt),
        # dbt does not go on writing to the warehouse behind the run's back.
        if invocation is not None:
            stop(invocation.process)
    if settings.engine == "spark" and (target / "run_results.json").exists():
        _copy_spark_results(context, settings, target)
    yield from _with_metadata(context, events, settings.warehouse_path, invocation.manifest if invocation else None)
    prune_target_dirs(settings.dbt_target_dir, keep=KEEP_DBT_TARGETS)
    if failure is not None:
        raise failure


KEEP_DBT_TARGETS = 10


def _copy_spark_results(context: AssetExecutionContext, settings, target: Path) -> None:
    """On the spark engine, what dbt built is Parquet in Spark's warehouse: copy it into
    the DuckDB warehouse, which the audits and the publish read (spark_tables.py)."""
    start = time.monotonic()
    copied = mirror_spark_build(settings.warehouse_path, settings.duckdb_config(), target, settings.spark_warehouse_dir)
    context.log.info(
        f"spark engine: {len(copied)} tables ({sum(copied.values()):,} rows) copied from "
        f"{settings.spark_warehouse_dir} into the warehouse in {time.monotonic() - start:.1f} s"
    )


def _seed_partial_parse(target: Path) -> None:
    """Give dbt the partial-parse file of the newest earlier run of this data dir (same
    vars and profile as this one, usually), else the project's: dbt then re-parses only
    what changed instead of the whole project (the project's own file was parsed without
    the run's vars and profile, so dbt would reject it). Copied here first, the file is
    created owner-only (dagster-dbt's own copy keeps the world-readable mode)."""
    earlier = [p for p in target.parent.glob("*/partial_parse.msgpack") if p.parent != target] if target.parent.exists() else []
    source = (
        max(earlier, key=lambda p: p.stat().st_mtime)
        if earlier
        else Path(dbt_project.project_dir) / dbt_project.target_path / "partial_parse.msgpack"
    )
    if source.exists():
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(source, target / source.name)


def prune_target_dirs(root: Path, keep: int) -> None:
    """Each run's dbt artifacts and logs go to their own folder; keep the newest few."""
    runs = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
