"""Feed contracts (sources/contracts/*.yml) as typed objects.

Adding a feed means adding a contract file: the ingest engine, the raw asset
and the raw quality checks are all derived from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from ..settings import CONTRACTS_DIR

DUCKDB_TYPES = {
    "varchar": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",  # parsed with offsets, stored as UTC TIMESTAMP
    "integer": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
}

PERSON_ROLES = ("id", "ref", "name", "text")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    pii: bool = False
    not_after_extract: bool = False  # an event time: later than the day after the extract date is quarantined
    # What erasure does with the column (erasure.py): `id` identifies the row's person (their
    # rows go), `ref` names another person (a pseudonym replaces it), `name` is a person's
    # name, `text` is free text that may name or address someone (it is blanked).
    person: str | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class FeedContract:
    system: str
    feed: str
    format: str  # csv | jsonl
    kind: str  # snapshot | incremental
    key: tuple[str, ...]
    description: str = ""
    root: str = "landing"  # landing | config
    path: str | None = None  # fixed file name (config files); landing feeds use the dated pattern
    version_column: str | None = None
    cadence_days: int | None = None  # a feed whose newest file lags the landing folder by more warns
    columns: tuple[Column, ...] = ()
    required_fields: tuple[str, ...] = ()
    pii_fields: tuple[str, ...] = ()
    not_after_extract_fields: tuple[str, ...] = ()  # JSONL: top-level event-time fields
    optional: bool = False  # a feed the pipeline can run without (no file is not an error)
    # (column, dated_by): free text raw keeps only for IMPACT_QUERY_TEXT_RETENTION_DAYS
    # before the feed's newest extract (retention.py).
    retained_text: tuple[str, str] | None = None
    source_file: Path = field(default=Path(), compare=False)

    @property
    def name(self) -> str:
        return f"{self.system}__{self.feed}"

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def file_pattern(self) -> re.Pattern[str]:
        if self.path:
            return re.compile(re.escape(self.path) + r"(\.gz)?$")
        ext = re.escape(self.format)
        return re.compile(rf"^{re.escape(self.feed)}_(?P<date>\d{{4}}-\d{{2}}-\d{{2}})\.{ext}(\.gz)?$")

    def expected_name(self) -> str:
        if self.path:
            return f"{self.path}[.gz]"
        return f"{self.system}/{self.feed}/{self.feed}_<YYYY-MM-DD>.{self.format}[.gz]"

    def folder(self, landing_dir: Path, config_dir: Path) -> Path:
        if self.root == "config":
            return config_dir
        return landing_dir / self.system / self.feed


def _parse(path: Path) -> FeedContract:
    data = yaml.safe_load(path.read_text())
    columns = tuple(Column(**c) for c in data.pop("columns", []) or [])
    for key in ("key", "required_fields", "pii_fields", "not_after_extract_fields"):
        if key in data:
            data[key] = tuple(data[key])
    if "retained_text" in data:
        data["retained_text"] = (data["retained_text"]["column"], data["retained_text"]["dated_by"])
    contract = FeedContract(columns=columns, source_file=path, **data)
    for column in columns:
        if column.person not in (None, *PERSON_ROLES):
            raise ValueError(f"{path}: column {column.name}: person must be one of {', '.join(PERSON_ROLES)}")
    if contract.format not in ("csv", "jsonl"):
        raise ValueError(f"{path}: format must be csv or jsonl, not {contract.format!r}")
    if contract.kind not in ("snapshot", "incremental"):
        raise ValueError(f"{path}: kind must be snapshot or incremental, not {contract.kind!r}")
    return contract


@cache
def load_contracts(contracts_dir: Path = CONTRACTS_DIR) -> tuple[FeedContract, ...]:
    return tuple(_parse(p) for p in sorted(contracts_dir.glob("*.yml")))


def contract_by_name(name: str, contracts_dir: Path = CONTRACTS_DIR) -> FeedContract:
    for contract in load_contracts(contracts_dir):
        if contract.name == name:
            return contract
    raise KeyError(name)


def raw_table_ddl(contract: FeedContract) -> str:
    if contract.format == "jsonl":
        body = "statement_id varchar, statement varchar"
        meta = "_line_number bigint"
    else:
        body = ", ".join(
            f'"{c.name}" {"TIMESTAMP" if c.type == "timestamp" else c.duckdb_type}' for c in contract.columns
        )
        meta = "_record_number bigint"
    return (
        f"create table if not exists {contract.table} ({body}, "
        f"_file varchar, _extract_date date, {meta}, _loaded_at timestamptz)"
    )
