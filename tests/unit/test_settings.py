"""Settings come from IMPACT_* variables, each parsed as its field's type; a value that
does not parse names its variable. The Dagster resource carries them field for field."""

from pathlib import Path

import pytest

from dagster_project.settings import Settings


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("IMPACT_DATA_DIR", str(tmp_path))
    return monkeypatch


@pytest.mark.parametrize("value, expected", [("true", True), ("1", True), ("Yes", True), ("false", False), ("0", False)])
def test_a_switch_reads_the_usual_spellings(env, value, expected):
    env.setenv("IMPACT_DBT_UNIT_TESTS", value)
    assert Settings.from_env().dbt_unit_tests is expected


def test_the_unit_tests_are_off_unless_asked(env):
    env.delenv("IMPACT_DBT_UNIT_TESTS", raising=False)
    assert Settings.from_env().dbt_unit_tests is False


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("IMPACT_DBT_UNIT_TESTS", "maybe", "IMPACT_DBT_UNIT_TESTS: expected true or false, not 'maybe'"),
        ("IMPACT_DUCKDB_THREADS", "two", "IMPACT_DUCKDB_THREADS: invalid literal"),
    ],
)
def test_a_value_that_does_not_parse_names_its_variable(env, name, value, message):
    env.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        Settings.from_env()


def test_the_switch_reaches_dbts_command_line(env):
    from dagster_project.resources import ImpactSettings
    from dagster_project.transform import dbt_build_args

    env.setenv("IMPACT_DBT_UNIT_TESTS", "true")
    # Through the Dagster resource, as a run sees its settings.
    settings = ImpactSettings.from_settings(Settings.from_env()).settings()
    with_unit_tests = dbt_build_args(settings, full_refresh=False)
    assert "--exclude-resource-type" not in with_unit_tests and "--exclude" not in with_unit_tests
    env.setenv("IMPACT_DBT_UNIT_TESTS", "false")
    args = dbt_build_args(ImpactSettings.from_settings(Settings.from_env()).settings(), full_refresh=True)
    # the ephemeral steps' key tests check the code too, and go with the unit tests
    assert args[0] == "build" and args[-5:] == [
        "--exclude-resource-type", "unit_test", "--exclude", "config.materialized:ephemeral", "--full-refresh"]


def test_the_settings_resource_has_one_field_per_setting():
    """ImpactSettings writes its fields out for the reader; Settings holds the defaults.
    The two stay in step: the same settings in the same order, paths as text, and the
    person-key secret as its fingerprint (resource configuration is shown and stored)."""
    from typing import get_type_hints

    from dagster_project.resources import PATH_FIELDS, ImpactSettings

    settings_types = get_type_hints(Settings)
    expected = {
        "person_key_secret_id" if name == "person_key_secret" else name: str if kind is Path else kind
        for name, kind in settings_types.items()
    }
    declared = {name: field.annotation for name, field in ImpactSettings.model_fields.items()}
    assert list(declared.items()) == list(expected.items())
    assert set(PATH_FIELDS) == {name for name, kind in settings_types.items() if kind is Path}
    assert all(field.is_required() for field in ImpactSettings.model_fields.values())


def test_a_run_sees_the_settings_it_was_built_with(tmp_path):
    from dagster_project.resources import ImpactSettings
    from tests.helpers import make_settings

    settings = make_settings(tmp_path / "data", tmp_path / "landing", engine="spark", window_days=45)
    assert ImpactSettings.from_settings(settings).settings() == settings
