"""Nightly runs are incremental and change no number: after appended days (the
generator's --append-day: tickets resolved and opened, deals closed and created,
statements, a new HRIS snapshot), the warehouse that dbt built night by night equals
the one --full-refresh builds from the same raw tables, table by table, marts included.
A withdrawn file, which no new row reveals, makes the incremental models rebuild.
Real ingest and real dbt, on a copy of the session pipeline's warehouse and landing."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.ingest.contracts import load_contracts
from dagster_project.ingest.loader import load_feed
from sources.generator.append_day import append_day
from tests.helpers import run_dbt

pytestmark = pytest.mark.integration

INCREMENTAL = ["stg_servicedesk__incidents", "stg_crm__opportunities", "stg_lms__xapi_statements"]
DAYS = [date(2026, 7, 1), date(2026, 7, 2)]


def ingest(settings, landing: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as conn:
        for contract in load_contracts():
            result = load_feed(conn, contract, landing, settings.config_dir)
            assert not result.errors, result.errors


def tables(warehouse: Path, schemas=("staging", "intermediate", "marts")) -> dict[str, pd.DataFrame]:
    """Every table of those schemas, with rows in a canonical order. _built_at (when a
    batch was written) is the one column that differs by design."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        names = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_schema in {tuple(schemas)} order by 1"
        ).fetchall()
        for (name,) in names:
            frame = conn.execute(f"select * from {name}").df().drop(columns=["_built_at"], errors="ignore")
            out[name] = canonical(frame)
    return out


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    # Sorted on floats rounded to 6 decimals: parallel sums may differ in the last bits,
    # which the comparison below tolerates (1e-9 relative).
    keys = pd.DataFrame(
        {c: frame[c].round(6) if pd.api.types.is_float_dtype(frame[c]) else frame[c].astype(str) for c in frame.columns},
        index=frame.index,
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)


def assert_same(nightly: dict, full: dict) -> None:
    assert nightly.keys() == full.keys()
    for name in full:
        pd.testing.assert_frame_equal(nightly[name], full[name], check_exact=False, rtol=1e-9, obj=name)


@pytest.fixture(scope="module")
def nightly(pipeline, small_landing, tmp_path_factory):
    """The session pipeline's warehouse, then two appended days, each ingested and built
    incrementally (the second night a whole `dbt run`, so the marts are the nightly ones)."""
    root = tmp_path_factory.mktemp("incremental")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    shutil.copytree(small_landing, landing)
    shutil.copy(pipeline.settings.warehouse_path, warehouse)
    for night, day in enumerate(DAYS):
        append_day(landing, day)
        ingest(pipeline.settings, landing, warehouse)
        selection = ["--select", *INCREMENTAL] if night < len(DAYS) - 1 else []
        run_dbt(pipeline.settings, warehouse, root / f"night-{night}", "run", *selection)
    return root, landing, warehouse


def full_refresh_of(pipeline, warehouse: Path, work: Path, *selection: str) -> Path:
    work.mkdir(parents=True)
    copy = work / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    run_dbt(pipeline.settings, copy, work, "run", "--full-refresh", *selection)
    return copy


def test_nightly_runs_build_the_same_warehouse_as_a_full_refresh(pipeline, nightly):
    root, _, warehouse = nightly
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # Incremental indeed: the first build's rows are still there, beside each night's.
        batches = conn.execute("select count(distinct _built_at) from staging.stg_servicedesk__incidents").fetchall()
        new_tickets = conn.execute(
            "select count(*) from staging.stg_servicedesk__incidents where cast(opened_at as date) = ?", [DAYS[-1]]
        ).fetchall()
    assert batches[0][0] >= 2
    assert new_tickets[0][0] > 0
    full = full_refresh_of(pipeline, warehouse, root / "full")
    assert_same(tables(warehouse), tables(full))


def test_a_withdrawn_file_makes_the_incremental_models_rebuild(pipeline, nightly):
    root, landing, warehouse = nightly
    withdrawn = landing / "servicedesk" / "incidents" / f"incidents_{DAYS[-1]}.csv"
    withdrawn.unlink()
    ingest(pipeline.settings, landing, warehouse)  # retracts the file's rows from raw
    run_dbt(pipeline.settings, warehouse, root / "after-withdrawal", "run", "--select", INCREMENTAL[0])
    staging = ("staging",)
    nightly_tables = tables(warehouse, staging)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        gone = conn.execute(
            "select count(*) from staging.stg_servicedesk__incidents where cast(opened_at as date) = ?", [DAYS[-1]]
        ).fetchall()
    assert gone[0][0] == 0, "the withdrawn day's tickets must leave the staging table"
    full = full_refresh_of(pipeline, warehouse, root / "full-after-withdrawal", "--select", INCREMENTAL[0])
    name = f"staging.{INCREMENTAL[0]}"
    assert_same({name: nightly_tables[name]}, {name: tables(full, staging)[name]})
