"""Settings come from IMPACT_* variables, each parsed as its field's type; a value that
does not parse names its variable."""

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


@pytest.mark.parametrize("name, value, message", [
    ("IMPACT_DBT_UNIT_TESTS", "maybe", "IMPACT_DBT_UNIT_TESTS: expected true or false, not 'maybe'"),
    ("IMPACT_DUCKDB_THREADS", "two", "IMPACT_DUCKDB_THREADS: invalid literal"),
])
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
    assert "--exclude-resource-type" not in dbt_build_args(settings, full_refresh=False)
    env.setenv("IMPACT_DBT_UNIT_TESTS", "false")
    args = dbt_build_args(ImpactSettings.from_settings(Settings.from_env()).settings(), full_refresh=True)
    assert args[0] == "build" and args[-3:] == ["--exclude-resource-type", "unit_test", "--full-refresh"]
