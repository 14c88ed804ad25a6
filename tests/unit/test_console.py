"""What `make run` prints: one short line per dbt command, each event once, a summary
that fits 100 columns, and a failed run that ends with what stays published."""

import logging
from types import SimpleNamespace

from dagster_project.console import _OneLineFailures
from dagster_project.summary import print_summary
from tests.helpers import make_settings


def _said(message: str) -> str | None:
    record = logging.LogRecord("impact", logging.INFO, "", 0, message, (), None)
    return record.getMessage() if _OneLineFailures().filter(record) else None


def test_dagster_dbt_command_lines_are_said_in_a_few_words():
    command = 'dbt_models - Running dbt command: `guarded-dbt build --vars {"window_days": 90} --select fqn:*`.'
    assert _said(command) == "dbt_models - dbt build: running"
    assert _said("dbt_models - Finished dbt command: `guarded-dbt build - x`.") == "dbt_models - dbt build: finished"
    assert _said("dbt_models - A dbt subsetted execution is not being performed. Using the default") is None
    assert _said("dbt_models - Logging an `AssetObservation` instead of an `AssetCheckResult` for dbt test `t`.") is None
    assert _said("raw__hris__workers - hris__workers: 1 new - 3 rows") == "raw__hris__workers - hris__workers: 1 new - 3 rows"


def test_a_failed_run_ends_with_what_stays_published_not_earlier_results(tmp_path, capsys):
    settings = make_settings(tmp_path / "data", tmp_path / "landing")
    failed = SimpleNamespace(run_id="r-1", success=False, all_events=[], get_asset_materialization_events=lambda: [])
    print_summary(settings, failed, 3.0, tmp_path / "data" / "last_run.log")
    out = capsys.readouterr().out
    assert "FAILED" in out and "Nothing was published by this run" in out
    assert "Rows per layer" not in out and "program_impact" not in out
    assert out.rstrip().splitlines()[-1].startswith("The run's full log")
