"""What real extracts do to a run: an empty landing folder, a future-dated row, a
shrunken delivery. None of them may publish emptiness or move a number."""

import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from tests.helpers import make_settings, run_pipeline

LONG_SECRET = "integration-test-secret-of-at-least-32-bytes"


def published_bytes(settings) -> dict[str, bytes]:
    """Everything BI tools read: the serving file and every export, byte for byte."""
    files = {"serving.duckdb": settings.serving_path.read_bytes()}
    for path in sorted(settings.exports_dir.glob("*")):
        files[path.name] = path.read_bytes()
    return files


@pytest.mark.parametrize("landing_kind", ["missing", "empty", "feed_without_file"])
def test_an_empty_or_missing_landing_folder_fails_before_any_work_and_publishes_nothing(
    pipeline, tmp_path, monkeypatch, capsys, landing_kind
):
    from dagster_project import run

    data = tmp_path / "data"
    shutil.copytree(pipeline.settings.data_dir, data, symlinks=True)
    landing = tmp_path / "landing"
    if landing_kind == "empty":
        (landing / "crm" / "users").mkdir(parents=True)
    elif landing_kind == "feed_without_file":
        shutil.copytree(pipeline.settings.landing_dir, landing)
        shutil.rmtree(landing / "servicedesk" / "incidents")
    settings = replace(pipeline.settings, data_dir=data, landing_dir=landing)
    before = published_bytes(settings)
    for name, value in {
        "IMPACT_LANDING_DIR": str(landing), "IMPACT_DATA_DIR": str(data),
        "IMPACT_CONFIG_DIR": str(pipeline.settings.config_dir), "IMPACT_PERSON_KEY_SALT": LONG_SECRET,
        "DAGSTER_HOME": str(data / "dagster_home"),
    }.items():
        monkeypatch.setenv(name, value)

    exit_code = run.main(["--force"])

    err = capsys.readouterr().err
    assert exit_code != 0
    assert str(landing) in err or str(landing / "servicedesk" / "incidents") in err, err
    assert ("IMPACT_LANDING_DIR" in err), err
    assert published_bytes(settings) == before


@pytest.fixture(scope="module")
def future_dated_run(pipeline, tmp_path_factory):
    """The session's landing folder plus one incident dated 2030, run from scratch."""
    root = tmp_path_factory.mktemp("future")
    landing = root / "landing"
    shutil.copytree(pipeline.settings.landing_dir, landing)
    newest = sorted((landing / "servicedesk" / "incidents").glob("incidents_*.csv"))[-1]
    lines = newest.read_text().splitlines(keepends=True)
    fields = lines[-1].rstrip("\n").split(",")
    fields[0], fields[1], fields[2] = "INC9999999", "f" * 32, "2030-01-01T09:00:00Z"
    newest.write_text("".join(lines) + ",".join(fields) + "\n")
    settings = make_settings(root / "data", landing)
    result = run_pipeline(settings, pipeline.instance)
    return settings, result, newest.name


def test_a_future_dated_row_is_quarantined_and_moves_no_published_number(pipeline, future_dated_run):
    settings, result, file_name = future_dated_run
    assert result.success
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        reasons = conn.execute(
            "select reason from raw._quarantine where file like ? and raw_text like 'INC9999999,%'", [f"%{file_name}"]
        ).fetchall()
        published = conn.execute("select * from marts.program_impact order by program_id, kpi").df()
        windows = conn.execute("select kpi, as_of_date, measurable_until from intermediate.int_kpis__coverage order by 1").fetchall()
    finally:
        conn.close()
    assert len(reasons) == 1 and reasons[0][0].startswith('FUTURE: "opened_at" 2030-01-01'), reasons
    # Equal up to the order a parallel sum adds its terms in.
    pd.testing.assert_frame_equal(
        published, pipeline.frame("select * from marts.program_impact order by program_id, kpi"), rtol=1e-9
    )
    assert windows == pipeline.query("select kpi, as_of_date, measurable_until from intermediate.int_kpis__coverage order by 1")


def test_a_mart_shrinking_by_90_percent_is_not_published_without_accept_shrink(pipeline, future_dated_run):
    settings, _, _ = future_dated_run
    # The service desk re-sends only its last two months: every other incident file goes.
    incidents = sorted((settings.landing_dir / "servicedesk" / "incidents").glob("incidents_*"))
    for path in incidents[:-2]:
        path.unlink()
    before = published_bytes(settings)

    result = run_pipeline(settings, pipeline.instance)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "IMPACT_MAX_SHRINK" in message and "learner_outcomes" in message and "--accept-shrink" in message
    assert published_bytes(settings) == before
    retracted = next(
        m for m in result.get_asset_materialization_events()
        if m.asset_key.to_user_string() == "raw/servicedesk__incidents"
    ).event_specific_data.materialization.metadata["files_retracted"].value
    assert retracted == len(incidents) - 2


def test_a_file_that_lost_a_large_share_of_its_rows_to_the_quarantine_is_not_published(pipeline, tmp_path):
    """A tenth of the newest incidents file cut short (its last column missing): those
    rows are quarantined, and the KPIs would be built on the rest as if they were all.
    More than IMPACT_MAX_QUARANTINE_SHARE of a file set aside stops the publish, and
    data_quality says which file and lines."""
    landing = tmp_path / "landing"
    shutil.copytree(pipeline.settings.landing_dir, landing)
    newest = sorted((landing / "servicedesk" / "incidents").glob("incidents_*.csv"))[-1]
    lines = newest.read_bytes().splitlines(keepends=True)
    broken = lines[1:1 + len(lines) // 10]
    for i, line in enumerate(broken, start=1):
        lines[i] = line.rstrip(b"\r\n").rsplit(b",", 1)[0] + b"\n"  # the last column cut off
    newest.write_bytes(b"".join(lines))

    settings = make_settings(tmp_path / "data", landing)
    result = run_pipeline(settings, pipeline.instance)
    assert not result.success
    assert not settings.serving_path.exists(), "nothing published"
    failed = [e.event_specific_data.asset_check_key.to_user_string() for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed]
    assert any(key.startswith("marts/data_quality") for key in failed), failed
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        row = conn.execute("select rows_set_aside, share_set_aside, first_lines from marts.data_quality "
                           "where landed_file like ?", [f"%{newest.name}"]).fetchone()
    finally:
        conn.close()
    assert row[0] == len(broken) and row[1] > settings.max_quarantine_share and row[2].startswith("2, 3, 4"), row  # lines of the file: the header is line 1
