"""A file name with control characters is shown escaped: one name, one log line."""

from dagster_project.ingest.landing import LandedFile, shown


def test_control_characters_in_a_file_name_are_escaped_when_shown(tmp_path):
    name = "landing/crm/users/users_2026-07-31\n\x1b[2Jfake-line.csv"
    assert shown(name) == "landing/crm/users/users_2026-07-31\\n\\x1b[2Jfake-line.csv"
    assert "\n" not in LandedFile(tmp_path / "x", name, None).shown
    assert shown("landing/hris/workers/workers_2026-06-30.csv") == "landing/hris/workers/workers_2026-06-30.csv"
    assert shown("Zoë\u2028x") == "Zoë\\u2028x"
