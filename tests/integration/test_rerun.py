"""A run with nothing new to do says so: the published state is what decides."""

import shutil
from dataclasses import replace

from dagster import build_schedule_context

from dagster_project.dbt_project import ensure_manifest
from dagster_project.definitions import JOB_NAME, build_definitions
from dagster_project.publish.record import state_file, up_to_date


def test_the_publish_records_what_it_published_and_nothing_changed_means_up_to_date(pipeline):
    settings = pipeline.settings
    manifest = ensure_manifest()
    assert state_file(settings).exists()
    assert up_to_date(settings, manifest) is not None
    changed_settings = replace(settings, window_days=settings.window_days + 7)
    assert up_to_date(changed_settings, manifest) is None


def test_a_new_file_in_the_landing_folder_means_run(pipeline, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(pipeline.settings.landing_dir, landing)
    settings = replace(pipeline.settings, landing_dir=landing)
    manifest = ensure_manifest()
    assert up_to_date(settings, manifest) is not None
    extra = landing / "crm" / "users" / "users_2026-07-31.csv"
    extra.write_text("Id,Email,IsActive\n005X,new.rep@acme.example,true\n")
    # Whether or not some run has loaded it since, it was never published.
    assert up_to_date(settings, manifest) is None


def test_the_nightly_schedule_skips_when_nothing_changed(pipeline, tmp_path):
    schedule = next(iter(build_definitions(pipeline.settings).schedules))
    assert not schedule.evaluate_tick(build_schedule_context()).run_requests
    moved = replace(pipeline.settings, window_days=pipeline.settings.window_days + 7)
    schedule = next(iter(build_definitions(moved).schedules))
    assert schedule.evaluate_tick(build_schedule_context()).run_requests
    assert schedule.job_name == JOB_NAME


def test_a_run_stopped_after_the_publish_switch_gets_its_report_written_not_skipped(pipeline, tmp_path, capsys,
                                                                                   monkeypatch):
    """A published run without its report (published by a version that wrote the report
    after the switch, and killed in between): nothing changed, so nothing is rebuilt,
    but the report is written, by the next `make run` and by the nightly schedule."""
    from dagster_project import run
    from dagster_project.publish.record import report_unfinished
    from dagster_project.publish.switch import Layout

    data = tmp_path / "data"
    shutil.copytree(pipeline.settings.data_dir, data, symlinks=True)
    settings = replace(pipeline.settings, data_dir=data)
    layout = Layout(data)
    folder = layout.folder(layout.current_run_id())
    page = folder / "report" / "index.html"
    page.unlink()
    assert report_unfinished(settings)

    schedule = next(iter(build_definitions(settings).schedules))
    requests = schedule.evaluate_tick(build_schedule_context()).run_requests
    assert len(requests) == 1 and [k.to_user_string() for k in requests[0].asset_selection] == ["serving/impact_report"]

    monkeypatch.setattr(run, "get_settings", lambda: settings)
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    assert run.main([]) == 0
    out = capsys.readouterr().out
    assert "had no finished report" in out and "Nothing to do" not in out, out
    assert "Learning impact report" in page.read_text()
    assert not report_unfinished(settings)
    # With the report written, nothing is left to do.
    assert not schedule.evaluate_tick(build_schedule_context()).run_requests
