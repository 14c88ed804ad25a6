"""The expectation suites: every suite is a file, `expectations/<layer>/<name>.json`, in
GX's suite format with a `meta` block saying which asset and table it audits and how
severe a failure is. The raw layer's suites are derived from the feed contracts (keys
present, no duplicated key in a file, row count equal to the file ledger); the staging
suites' plausibility rules from the row rules dbt declares (dbt/macros/row_rules.sql)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..ingest.contracts import FeedContract, load_contracts
from ..settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

SCHEMA_EXPECTATIONS = {
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_column_to_exist",
    "expect_table_column_count_to_equal",
}
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list",)

ROW_RULES_MACRO = DBT_PROJECT_DIR / "macros" / "row_rules.sql"

# A suite's expectation may name a value known only when it runs: the rows the file
# ledger holds for the feed, or a setting ($settings.<field>).
LEDGER_ROWS = "$ledger.rows_loaded"


@dataclass
class SuiteSpec:
    name: str
    layer: str
    asset_path: tuple[str, ...]  # the audited asset's key, as its path
    table: str
    severity: str
    description: str
    expectations: list[dict[str, Any]]
    derived_columns: dict[str, str] = field(default_factory=dict)
    row_key: str | None = None  # how people name a row (incident number, deal id), for failures
    # A column that marks when a row was written (_built_at in the incremental staging
    # tables): the suite's row rules audit only the rows written since its last pass
    # (engine.py); its keys stay unique across the whole table.
    changed_rows_column: str | None = None
    # A raw table: the suite audits the rows of the files the ledger took in since its
    # last pass (their _file).
    audits_new_files: bool = False

    @property
    def asset_key(self):
        # Imported here: validating a suite (the engine, `make benchmark`) needs no Dagster.
        from dagster import AssetKey

        return AssetKey(list(self.asset_path))

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    @property
    def feed(self) -> str:
        """The feed of a raw table (raw.<feed>)."""
        return self.table.split(".", 1)[1]

    def needed_columns(self, expectations: list[dict[str, Any]] | None = None) -> list[str]:
        columns: list[str] = [self.row_key] if self.row_key else []
        for exp in self.expectations if expectations is None else expectations:
            if exp["type"] in SCHEMA_EXPECTATIONS:
                continue
            kwargs = exp.get("kwargs", {})
            columns += [kwargs[k] for k in _COLUMN_KWARGS if k in kwargs]
            for k in _COLUMN_LIST_KWARGS:
                columns += kwargs.get(k, [])
        return [c for c in dict.fromkeys(columns) if c not in self.derived_columns]

    def unique_column_lists(self) -> list[list[str]]:
        """The columns each uniqueness expectation keys on."""
        out = []
        for exp in self.expectations:
            kwargs = exp.get("kwargs", {})
            if exp["type"] == "expect_column_values_to_be_unique":
                out.append([kwargs["column"]])
            elif exp["type"] == "expect_compound_columns_to_be_unique":
                out.append(list(kwargs["column_list"]))
        return out

    def counts_ledger_rows(self) -> bool:
        return any(e.get("kwargs", {}).get("value") == LEDGER_ROWS for e in self.expectations)


def load_suite_file(path: Path) -> SuiteSpec:
    data = json.loads(path.read_text())
    meta = data.get("meta", {})
    return SuiteSpec(
        name=data["name"],
        layer=path.parent.name,
        asset_path=tuple(meta["asset_key"]),
        table=meta["table"],
        severity=meta.get("severity", "ERROR").upper(),
        description=meta.get("description", ""),
        expectations=data["expectations"],
        derived_columns=meta.get("derived_columns", {}),
        row_key=meta.get("row_key"),
        changed_rows_column=meta.get("changed_rows_column"),
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
        {"type": "expect_table_row_count_to_equal", "kwargs": {"value": LEDGER_ROWS}}
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
        asset_path=("raw", contract.name),
        table=contract.table,
        severity="ERROR" if contract.format == "csv" else "WARN",
        description=f"Raw {contract.name} keeps its contract: keys present, no key twice in one file, "
        "every loaded row accounted for in the file ledger. Audits the files loaded since its last pass.",
        expectations=expectations,
        audits_new_files=True,
    )


class _Returned(Exception):  # noqa: N818 - dbt's return(), which ends a macro with a value
    def __init__(self, value: Any):
        self.value = value


def _dbt_return(value: Any):
    raise _Returned(value)


def load_row_rules(path: Path = ROW_RULES_MACRO) -> list[dict[str, Any]]:
    """The row rules as dbt sees them: the macro row_rules() evaluated as dbt would
    (its list is YAML; return() ends it), so that GX checks the very rules staging flags."""
    import jinja2

    env = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    env.globals.update({"return": _dbt_return, "fromyaml": yaml.safe_load})
    try:
        env.from_string(path.read_text()).module.row_rules()
    except _Returned as returned:
        return returned.value
    raise ValueError(f"{path}: row_rules() returned nothing")


def row_rule_expectation(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule's GX expectation: its flag is never set (within the tolerance, engine.py)."""
    return {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": rule["flag"], "value_set": [False]},
        "meta": {"plausibility": rule["rule"]},
    }


def with_row_rules(suites: list[SuiteSpec], rules: list[dict[str, Any]]) -> list[SuiteSpec]:
    """Each staging model's blocking suite (the one named after it) gets its rules'
    expectations; a model with rules and no suite file gets a suite of its own."""
    by_name = {s.name: s for s in suites if s.layer == "staging" and s.blocking}
    for rule in rules:
        model = rule["model"]
        if model not in by_name:
            by_name[model] = SuiteSpec(
                name=model,
                layer="staging",
                asset_path=("staging", model),
                table=f"staging.{model}",
                severity="ERROR",
                description="Its plausibility rules (dbt/macros/row_rules.sql), with a tolerance (IMPACT_ROW_RULE_TOLERANCE).",
                expectations=[],
            )
            suites.append(by_name[model])
        by_name[model].expectations.append(row_rule_expectation(rule))
    return suites


def load_suites(expectations_dir: Path = EXPECTATIONS_DIR) -> list[SuiteSpec]:
    suites = [contract_suite(c) for c in load_contracts()]
    suites += [load_suite_file(p) for p in sorted(expectations_dir.glob("*/*.json"))]
    return with_row_rules(suites, load_row_rules())


def plausibility_rule(expectation: dict[str, Any]) -> str | None:
    """A row-level plausibility rule (timestamps in order, values in range) names itself
    in its meta; whole-table invariants (keys, formulas, PII) do not."""
    return (expectation.get("meta") or {}).get("plausibility")
