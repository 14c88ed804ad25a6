"""`make run` on an unchanged landing folder is up to date and does nothing."""

from dataclasses import replace

from dagster_project.run import _state_file, fingerprint, up_to_date


def test_nothing_changed_means_up_to_date_and_any_change_means_run(pipeline):
    settings = pipeline.settings
    current = fingerprint(settings)
    assert up_to_date(settings, current) is None  # no published run recorded yet by the CLI
    _state_file(settings).write_text(f'{{"run_id": "{pipeline.result.run_id}", "fingerprint": "{current}"}}')
    try:
        assert up_to_date(settings, current) == pipeline.result.run_id
        changed_settings = replace(settings, window_days=settings.window_days + 7)
        assert fingerprint(changed_settings) != current
        assert up_to_date(changed_settings, fingerprint(changed_settings)) is None
    finally:
        _state_file(settings).unlink()


def test_a_new_file_in_the_landing_folder_means_run(pipeline, tmp_path):
    import shutil

    landing = tmp_path / "landing"
    shutil.copytree(pipeline.settings.landing_dir, landing)
    settings = replace(pipeline.settings, landing_dir=landing)
    current = fingerprint(settings)
    _state_file(settings).write_text(f'{{"run_id": "x", "fingerprint": "{current}"}}')
    try:
        assert up_to_date(settings, fingerprint(settings)) == "x"
        extra = landing / "crm" / "users" / "users_2026-07-31.csv"
        extra.write_text("Id,Email,IsActive\n005X,new.rep@acme.example,true\n")
        # Whether or not some run has loaded it since, it was never published.
        assert up_to_date(settings, fingerprint(settings)) is None
    finally:
        _state_file(settings).unlink()
