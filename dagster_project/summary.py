"""The short report `make run` prints: rows per layer, checks, and the two tables
every consumer relies on."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import ExecuteInProcessResult

from .ingest.ledger import quarantine_counts
from .publish.switch import REPORT, REPORT_PAGE
from .report import tables
from .report.columns import RUN_SUMMARY, TableView
from .settings import Settings


def _check_counts(result: ExecuteInProcessResult) -> tuple[int, int, list[str]]:
    passed, failed, names = 0, 0, []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed:
                passed += 1
            else:
                failed += 1
                names.append(f"{evaluation.asset_check_key.to_user_string()} ({evaluation.severity.value})")
    return passed, failed, names


def _ingested(result: ExecuteInProcessResult) -> str | None:
    """One line for every feed's ingest: files new, replaced and unchanged, rows loaded."""
    totals = dict.fromkeys(("files_loaded", "files_replaced", "files_skipped_unchanged",
                            "rows_loaded_this_run", "rows_quarantined_this_run"), 0)
    feeds = 0
    for event in result.get_asset_materialization_events():
        metadata = event.event_specific_data.materialization.metadata
        if "files_loaded" in metadata:
            feeds += 1
            for name in totals:
                totals[name] += metadata[name].value
    if not feeds:
        return None
    return (f"Ingest: {feeds} feeds, {totals['files_loaded']:,} new, {totals['files_replaced']:,} replaced and "
            f"{totals['files_skipped_unchanged']:,} unchanged file(s); {totals['rows_loaded_this_run']:,} row(s) "
            f"loaded, {totals['rows_quarantined_this_run']:,} quarantined")


def _retracted(result: ExecuteInProcessResult) -> list[tuple[str, int, int]]:
    out = []
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        metadata = materialization.metadata
        files = metadata.get("files_retracted")
        if files is not None and files.value:
            out.append((materialization.asset_key.to_user_string(), files.value, metadata["rows_retracted"].value))
    return out


def _table(conn: duckdb.DuckDBPyConnection, sql: str) -> str:
    """A console table of a query, headed by the columns' labels, "–" for null."""
    names, rows = tables.query(conn, sql)
    columns = [tables.Column(name) for name in names]
    return tables.text(tables.headers(columns), tables.cells(columns, rows))


def _view(conn: duckdb.DuckDBPyConnection, view: TableView) -> str:
    """A mart's columns as the run summary shows them (report/columns.py: RUN_SUMMARY)."""
    _, rows = tables.query(conn, view.sql())
    return tables.text(tables.headers(view.columns), tables.cells(view.columns, rows))


def _layers(conn: duckdb.DuckDBPyConnection) -> str:
    rows = conn.execute("""
        select schema_name, sum(estimated_size)
        from duckdb_tables() where schema_name in ('raw', 'reference', 'staging', 'intermediate', 'marts')
        group by 1 order by case schema_name when 'raw' then 1 when 'reference' then 2 when 'staging' then 3
                              when 'intermediate' then 4 else 5 end""").fetchall()
    return ", ".join(f"{layer} {count:,}" for layer, count in rows)


def print_summary(settings: Settings, result: ExecuteInProcessResult | None, seconds: float,
                  run_log: Path | None = None) -> None:
    """After a run (or, with no result, of what the last run left); at most 100 columns.
    A failed run ends with what failed and what stays published, not earlier results."""
    print()
    if result is not None:
        print(f"Run {result.run_id}: {'SUCCESS' if result.success else 'FAILED'} in {seconds:.1f} s")
        ingested = _ingested(result)
        if ingested:
            print(ingested)
        passed, failed, names = _check_counts(result)
        print(f"Checks: {passed} passed, {failed} failed" + ("".join(f"\n  failed: {n}" for n in names)))
        retracted = _retracted(result)
        if retracted:
            print("Files retracted (no longer in the landing folder; their rows left raw):")
            print("".join(f"  {feed}: {files} file(s), {rows} row(s)\n" for feed, files, rows in retracted), end="")
        if not result.success:
            _print_failed(settings, run_log)
            return
    if not settings.warehouse_path.exists():
        return
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        print(f"\nRows per layer (approx.): {_layers(conn)}")
        quarantined = quarantine_counts(conn)
        print("Quarantined rows: " + (", ".join(f"{feed} {rows:,}" for feed, rows in quarantined.items()) or "none"))
        rules = conn.execute("select count(*) from intermediate.int_quality__row_flags").fetchall()[0][0]
        print(f"\nRows flagged by plausibility rules (kept; left out of the KPIs their flaw corrupts), of {rules} rules:")
        print(_table(conn, """select model_name as model, rule, flagged_rows, round(100 * flagged_share, 3) as flagged_pct
                              from intermediate.int_quality__row_flags where flagged_rows > 0 order by 1, 2"""))
        for view in RUN_SUMMARY:
            print(f"\n{view.table.split('.')[-1]}:")
            print(_view(conn, view))
    except duckdb.Error as error:
        print(f"(summary incomplete: {error})")
    finally:
        conn.close()
    published = settings.serving_path.exists()
    print(f"\nServing file: {settings.serving_path}{'' if published else ' (not published yet)'}")
    print(f"Parquet exports: {settings.exports_dir}")
    report = settings.data_dir / REPORT / REPORT_PAGE
    print(f"Report (HTML, opens offline): {report}{'' if report.exists() else ' (not written yet: `make report`)'}")
    print(f"Data Docs (Great Expectations): {settings.data_docs_dir / 'index.html'}")
    if run_log is not None:
        print(f"dbt's output, model by model: {run_log}")
    print(f"Run history: `make dev` (DAGSTER_HOME={settings.dagster_home})")


def _print_failed(settings: Settings, run_log: Path | None) -> None:
    published = settings.serving_path.exists()
    print(
        "\nNothing was published by this run: "
        + (f"BI tools still read the last published run ({settings.serving_path})." if published
           else "nothing has been published yet.")
    )
    print("What failed is said above, with the file, check or model and what to fix.")
    if run_log is not None:
        print(f"dbt's output, model by model: {run_log}")
    print(f"The run's full log: `make dev` (DAGSTER_HOME={settings.dagster_home}), run history.")
