"""IMPACT_PUBLISH_GROUP: owner-only by default; when set, the published run's folder is
the group's to read, and the folders above it only let the group through."""

import grp
import os
import stat

import pytest

from dagster_project.publish.sharing import group_problem, share_tree
from tests.helpers import make_settings


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _own_group() -> str:
    return grp.getgrgid(os.getegid()).gr_name


def test_a_group_that_does_not_exist_or_excludes_the_user_is_refused(tmp_path):
    assert "no such group" in group_problem("no-such-group-for-impact")
    with pytest.raises(ValueError, match="IMPACT_PUBLISH_GROUP"):
        make_settings(tmp_path / "data", tmp_path / "landing", publish_group="no-such-group-for-impact")
    assert group_problem(_own_group()) is None


def test_owner_only_is_the_default(tmp_path):
    settings = make_settings(tmp_path / "data", tmp_path / "landing")
    settings.ensure_dirs()
    assert _mode(settings.data_dir) == 0o700 and _mode(settings.published_dir) == 0o700


def test_the_group_reads_the_published_run_and_only_passes_through_the_folders_above(tmp_path):
    group = _own_group()
    settings = make_settings(tmp_path / "data", tmp_path / "landing", publish_group=group)
    settings.ensure_dirs()
    assert _mode(settings.data_dir) == 0o710 and _mode(settings.published_dir) == 0o710
    assert _mode(settings.dagster_home) == 0o700  # run history stays the owner's
    run = settings.published_dir / "run-1"
    (run / "exports").mkdir(parents=True, mode=0o700)
    (run / "serving.duckdb").write_bytes(b"x")
    (run / "exports" / "program_roi.parquet").write_bytes(b"x")
    share_tree(run, group)
    gid = grp.getgrnam(group).gr_gid
    for path in (run, run / "exports"):
        assert _mode(path) == 0o750 and path.stat().st_gid == gid
    for path in (run / "serving.duckdb", run / "exports" / "program_roi.parquet"):
        assert _mode(path) == 0o640 and path.stat().st_gid == gid
    # A later run keeps the group's passage: it is not mistaken for a loosened data directory.
    settings.ensure_dirs()
    assert _mode(settings.data_dir) == 0o710 and _mode(run / "serving.duckdb") == 0o640
