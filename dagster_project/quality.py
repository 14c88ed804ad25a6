"""Great Expectations 1.x suites as Dagster asset checks.

Every suite is a file, `expectations/<layer>/<name>.json`, in GX's suite format
with a `meta` block saying which asset and table it audits and how severe a
failure is. The raw layer's suites are also derived from the feed contracts (keys
present, no duplicated key in a file, row count equal to the file ledger).

Validation runs GX's pandas engine on a frame that DuckDB builds with only the
columns the suite needs (plus any `derived_columns`, SQL expressions that let a
suite check cross-column rules such as formulas or overlapping intervals).
Schema expectations (the table's column set) run on a zero-row frame, so that
checking a wide table's columns never loads its rows.

Each validation is named by the Dagster run that ran it, and shown in Data Docs that
work offline (dagster_project/data_docs.py): a page per validation, linked from the
check's metadata, and an index of every suite's latest results.
"""


import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from . import data_docs
from .ingest.contracts import FeedContract, load_contracts
from .resources import ImpactSettings
from .settings import EXPECTATIONS_DIR, Settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

SCHEMA_EXPECTATIONS = {
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_column_to_exist",
    "expect_table_column_count_to_equal",
}
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list",)
_SETTING = re.compile(r"^\$settings\.(\w+)$")


@dataclass
class SuiteSpec:
    name: str
    layer: str
    asset_key: AssetKey
    table: str
    severity: str
    description: str
    expectations: list[dict[str, Any]]
    derived_columns: dict[str, str] = field(default_factory=dict)
    row_key: str | None = None  # how people name a row (incident number, deal id), for failures

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    def needed_columns(self) -> list[str]:
        columns: list[str] = [self.row_key] if self.row_key else []
        for exp in self.expectations:
            if exp["type"] in SCHEMA_EXPECTATIONS:
                continue
            kwargs = exp.get("kwargs", {})
            columns += [kwargs[k] for k in _COLUMN_KWARGS if k in kwargs]
            for k in _COLUMN_LIST_KWARGS:
                columns += kwargs.get(k, [])
        return [c for c in dict.fromkeys(columns) if c not in self.derived_columns]


def load_suite_file(path: Path) -> SuiteSpec:
    data = json.loads(path.read_text())
    meta = data.get("meta", {})
    return SuiteSpec(
        name=data["name"],
        layer=path.parent.name,
        asset_key=AssetKey(meta["asset_key"]),
        table=meta["table"],
        severity=meta.get("severity", "ERROR").upper(),
        description=meta.get("description", ""),
        expectations=data["expectations"],
        derived_columns=meta.get("derived_columns", {}),
        row_key=meta.get("row_key"),
    )


def contract_suite(contract: FeedContract) -> SuiteSpec:
    """What every raw table must satisfy, read off its contract."""
    key = list(contract.key) if contract.format == "csv" else ["statement_id"]
    unique_within_file = key + ([contract.version_column] if contract.kind == "incremental" and contract.format == "csv" else [])
    expectations: list[dict[str, Any]] = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": column}} for column in key
    ]
    expectations.append(
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": unique_within_file + ["_file"]}}
    )
    expectations.append(
        {"type": "expect_table_row_count_to_equal", "kwargs": {"value": "$ledger.rows_loaded"}}
    )
    if contract.format == "csv":
        expectations.append(
            {
                "type": "expect_table_columns_to_match_set",
                "kwargs": {
                    "column_set": [c.name for c in contract.columns]
                    + ["_file", "_extract_date", "_record_number", "_loaded_at"],
                    "exact_match": True,
                },
            }
        )
    return SuiteSpec(
        name=f"raw_{contract.name}_contract",
        layer="raw",
        asset_key=AssetKey(["raw", contract.name]),
        table=contract.table,
        severity="ERROR" if contract.format == "csv" else "WARN",
        description=f"Raw {contract.name} keeps its contract: keys present, no key twice in one file, "
        "every loaded row accounted for in the file ledger.",
        expectations=expectations,
    )


def load_suites(expectations_dir: Path = EXPECTATIONS_DIR) -> list[SuiteSpec]:
    suites = [contract_suite(c) for c in load_contracts()]
    suites += [load_suite_file(p) for p in sorted(expectations_dir.glob("*/*.json"))]
    return suites


def _resolve(value: Any, settings: dict[str, Any], ledger_rows: int | None) -> Any:
    if isinstance(value, str):
        if value == "$ledger.rows_loaded":
            return ledger_rows
        match = _SETTING.match(value)
        if match:
            return settings[match.group(1)]
    return value


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def plausibility_rule(expectation: dict[str, Any]) -> str | None:
    """A row-level plausibility rule (timestamps in order, values in range) names itself
    in its meta; whole-table invariants (keys, formulas, PII) do not."""
    return (expectation.get("meta") or {}).get("plausibility")


def with_tolerance(expectation: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """A plausibility rule passes while at most `tolerance` of rows break it (GX's
    `mostly`), unless the suite file sets its own `mostly`."""
    if not plausibility_rule(expectation) or "mostly" in expectation.get("kwargs", {}):
        return expectation
    return {**expectation, "kwargs": {**expectation.get("kwargs", {}), "mostly": 1 - tolerance}}


@dataclass
class SuiteOutcome:
    success: bool
    evaluated: int
    failures: list[dict[str, Any]]
    flagged: list[dict[str, Any]] = field(default_factory=list)  # per plausibility rule, pass or fail
    page: Path | None = None  # the validation's Data Docs page


_CONTEXTS: dict[Path, Any] = {}


def gx_context(data_dir: Path):
    """A file-backed GX context under the data dir, so that validation results
    accumulate. One per process and data dir: opening it costs more than most
    validations. (Data Docs are rendered by data_docs.py: GX's own site needs the
    network for its scripts.)"""
    if data_dir in _CONTEXTS:
        return _CONTEXTS[data_dir]
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(data_dir / "gx"))
    context.variables.progress_bars = {"globally": False}
    _CONTEXTS[data_dir] = context
    return context


KEEP_RESULTS = 60


def prune_results(data_dir: Path, suite_names: list[str], keep: int = KEEP_RESULTS) -> None:
    """Keep each suite's newest results (and their Data Docs pages): a nightly run adds
    one per suite, which would otherwise pile up for ever. Run folders are named by
    UTC time, so their names sort by age."""
    for root in (data_dir / "gx" / "gx" / "uncommitted" / "validations", data_dir / "data_docs" / "validations"):
        for name in suite_names:
            runs = sorted(p for p in (root / name).glob("*/*") if p.is_dir())
            for old in runs[:-keep] if keep else runs:
                shutil.rmtree(old, ignore_errors=True)


def _validation_definition(context, name: str, expectations: list[dict[str, Any]]):
    import great_expectations as gx

    try:
        source = context.data_sources.get("warehouse")
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas("warehouse")
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name=name)
    try:
        batch_definition = asset.get_batch_definition("whole_table")
    except (KeyError, ValueError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )


def validate_suite(
    conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, settings: dict[str, Any], run_name: str | None = None
) -> SuiteOutcome:
    """Validates the suite; the results are stored under `run_name` (the Dagster run id)
    and rendered as the validation's Data Docs page."""
    from great_expectations.core.run_identifier import RunIdentifier

    ledger_rows = None
    if any(e.get("kwargs", {}).get("value") == "$ledger.rows_loaded" for e in suite.expectations):
        feed = suite.table.split(".", 1)[1]
        ledger_rows = conn.execute(
            "select coalesce(sum(rows_loaded), 0) from raw._file_ledger where feed = ?", [feed]
        ).fetchall()[0][0]

    def configured(exps):
        return [
            with_tolerance(
                {**e, "kwargs": {k: _resolve(v, settings, ledger_rows) for k, v in e.get("kwargs", {}).items()}},
                settings.get("row_rule_tolerance", Settings.row_rule_tolerance),
            )
            for e in exps
        ]

    schema_exps = configured([e for e in suite.expectations if e["type"] in SCHEMA_EXPECTATIONS])
    data_exps = configured([e for e in suite.expectations if e["type"] not in SCHEMA_EXPECTATIONS])

    context = gx_context(Path(settings["data_dir"]))
    frames = []
    if schema_exps:
        frames.append((schema_exps, conn.execute(f"select * from {suite.table} limit 0").df()))
    if data_exps:
        selected = [_quote(c) for c in suite.needed_columns()]
        selected += [f"{expr} as {_quote(name)}" for name, expr in suite.derived_columns.items()]
        frames.append((data_exps, conn.execute(f"select {', '.join(selected) or '1 as _row'} from {suite.table}").df()))

    failures: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    evaluated = 0
    for index, (exps, frame) in enumerate(frames):
        name = suite.name if index == len(frames) - 1 else f"{suite.name}__schema"
        validation = _validation_definition(context, name, exps)
        result_format = {"result_format": "SUMMARY"}
        if suite.row_key and suite.row_key in frame.columns:
            result_format["unexpected_index_column_names"] = [suite.row_key]
        result = validation.run(
            batch_parameters={"dataframe": frame},
            result_format=result_format,
            run_id=RunIdentifier(run_name=run_name) if run_name else None,
        )
        for outcome in result.results:
            evaluated += 1
            details = outcome.result or {}
            config = outcome.expectation_config
            shown.append(
                {
                    "type": config.type,
                    "rule": (config.meta or {}).get("plausibility"),
                    "kwargs": dict(config.kwargs),
                    "success": bool(outcome.success),
                    "result": {k: v for k, v in details.items() if k != "partial_unexpected_index_list"},
                    "exception": (outcome.exception_info or {}).get("exception_message")
                    if (outcome.exception_info or {}).get("raised_exception") else None,
                }
            )
            keys = [
                str(row.get(suite.row_key)) for row in (details.get("partial_unexpected_index_list") or [])[:5]
                if isinstance(row, dict)
            ]
            rule = (config.meta or {}).get("plausibility")
            if rule:
                rows, broken = details.get("element_count") or 0, details.get("unexpected_count") or 0
                flagged.append(
                    {
                        "rule": rule,
                        "column": config.kwargs.get("column"),
                        "flagged_rows": broken,
                        "rows": rows,
                        "share": broken / rows if rows else 0.0,
                        "tolerance": 1 - config.kwargs.get("mostly", 1.0),
                        "passed": outcome.success,
                        "sample_keys": keys,
                    }
                )
            if not outcome.success:
                failures.append(
                    {
                        "expectation": config.type,
                        "rule": rule,
                        "kwargs": {k: v for k, v in config.kwargs.items() if k != "batch_id"},
                        "unexpected_count": details.get("unexpected_count"),
                        "unexpected_share": (details.get("unexpected_percent") or 0) / 100 if rule else None,
                        "observed_value": details.get("observed_value"),
                        "sample_unexpected": [str(v) for v in (details.get("partial_unexpected_list") or [])[:5]],
                        "sample_keys": keys,
                        "exception": (outcome.exception_info or {}).get("exception_message"),
                    }
                )
    prune_results(Path(settings["data_dir"]), [suite.name, f"{suite.name}__schema"])
    page = data_docs.record(
        Path(settings["data_dir"]) / "data_docs",
        {"name": suite.name, "layer": suite.layer, "table": suite.table, "severity": suite.severity,
         "description": suite.description},
        run_name,
        shown,
    )
    return SuiteOutcome(success=not failures, evaluated=evaluated, failures=failures, flagged=flagged, page=page)


def describe_flagged(suite: SuiteSpec, rule: dict[str, Any]) -> str:
    """One line per plausibility rule: the rule, the count, the share, the verdict."""
    verdict = "within" if rule["passed"] else "ABOVE"
    line = (
        f"{suite.table}: {rule['flagged_rows']:,} of {rule['rows']:,} rows ({rule['share']:.2%}) {rule['rule']}; "
        f"{verdict} the {rule['tolerance']:.2%} tolerance"
    )
    if rule["flagged_rows"] and rule["sample_keys"]:
        line += f" (e.g. {', '.join(rule['sample_keys'])})"
    return line + ("; flagged rows are kept and left out of the KPIs they would corrupt" if rule["passed"] else "")


def build_suite_check(suite: SuiteSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=suite.asset_key,
        name=f"gx_{suite.name}",
        description=f"Great Expectations suite `{suite.name}` ({suite.severity}). {suite.description}",
        blocking=suite.blocking,
        metadata={"layer": suite.layer, "severity": suite.severity},
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource, impact: ImpactSettings) -> AssetCheckResult:
        with duckdb.get_connection() as conn:
            outcome = validate_suite(conn, suite, impact.model_dump(), run_name=context.run.run_id)
        for rule in outcome.flagged:
            (context.log.info if rule["passed"] else context.log.error)(describe_flagged(suite, rule))
        for failure in outcome.failures:
            if not failure["rule"]:
                context.log.warning(f"{suite.name}: {failure['expectation']} failed: {json.dumps(failure, default=str)}")
        return AssetCheckResult(
            passed=outcome.success,
            severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
            metadata={
                "expectations_evaluated": MetadataValue.int(outcome.evaluated),
                "expectations_failed": MetadataValue.int(len(outcome.failures)),
                "failed_expectations": MetadataValue.json(outcome.failures),
                "flagged_rows": MetadataValue.json(
                    {r["rule"]: {k: r[k] for k in ("flagged_rows", "rows", "share", "tolerance")} for r in outcome.flagged}
                ),
                "table": MetadataValue.text(suite.table),
                **(
                    {
                        "data_docs_page": MetadataValue.path(str(outcome.page)),
                        "data_docs": MetadataValue.url(outcome.page.as_uri()),
                    }
                    if outcome.page
                    else {}
                ),
            },
        )

    return _check


def build_quality_checks(known_assets: set[AssetKey]) -> list[AssetChecksDefinition]:
    suites = load_suites()
    unknown = [s.name for s in suites if s.asset_key not in known_assets]
    if unknown:
        raise ValueError(f"expectation suites for assets that do not exist: {unknown}")
    return [build_suite_check(s) for s in suites]

