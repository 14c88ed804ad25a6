"""The instance's event log keeps an engine per database file, stores what Dagster's
own does, and dagster.yaml is written only where the pipeline owns it."""

from pathlib import Path

import dagster as dg
import pytest

import dagster_project.instance as instance_module
from dagster_project.instance import CONFIG_MARK, PooledSqliteEventLogStorage, write_instance_config


def _many_events():
    specs = [dg.AssetSpec(f"a{i}") for i in range(5)]
    checks = [dg.AssetCheckSpec("positive", asset=f"a{i}") for i in range(5)]

    @dg.multi_asset(specs=specs, check_specs=checks)
    def many():
        for i in range(5):
            yield dg.MaterializeResult(asset_key=f"a{i}", metadata={"rows": i})
            yield dg.AssetCheckResult(asset_key=f"a{i}", check_name="positive", passed=i > 0)

    return many


@pytest.fixture
def engines_made(monkeypatch):
    made = []
    real = instance_module.create_engine

    def counting(*args, **kwargs):
        made.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(instance_module, "create_engine", counting)
    return made


def test_a_run_stores_every_event_through_one_engine_per_database(tmp_path, engines_made):
    write_instance_config(tmp_path)
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        result = dg.materialize([_many_events()], instance=instance)
        assert result.success
        stored = instance.get_records_for_run(result.run_id, limit=10_000).records
        # The index and the run's own file: not one engine per event.
        assert sorted(Path(url.split("///")[-1]).name for url in engines_made) == sorted(["index.db", f"{result.run_id}.db"])
        kinds = [r.event_log_entry.dagster_event_type for r in stored]
        assert kinds.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 5
        assert kinds.count(dg.DagsterEventType.ASSET_CHECK_EVALUATION) == 5

    # What another instance (the webserver, say) reads from the same files.
    with dg.DagsterInstance.local_temp(str(tmp_path)) as reader:
        assert len(reader.get_records_for_run(result.run_id, limit=10_000).records) == len(stored)
        assert reader.get_latest_materialization_event(dg.AssetKey("a3")).asset_materialization.metadata["rows"].value == 3
        evaluations = reader.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey(f"a{i}"), "positive") for i in range(5)]
        )
        assert [evaluations[dg.AssetCheckKey(dg.AssetKey(f"a{i}"), "positive")].status.value for i in range(5)] == [
            "FAILED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"
        ]


def test_after_a_wipe_events_go_to_the_new_files_not_to_a_kept_connection(tmp_path):
    write_instance_config(tmp_path)
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        run = instance.create_run_for_job(dg.GraphDefinition(name="g", node_defs=[]).to_job())
        instance.report_engine_event("before the wipe", run)
        instance.event_log_storage.wipe()
        instance.report_engine_event("after the wipe", run)
        with dg.DagsterInstance.local_temp(str(tmp_path)) as reader:
            assert [e.message for e in reader.all_logs(run.run_id)] == ["after the wipe"]


def test_dagster_yaml_is_written_where_the_pipeline_owns_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").touch()  # what earlier versions left: an empty file
    write_instance_config(home)
    ours = (home / "dagster.yaml").read_text()
    assert ours.startswith(CONFIG_MARK) and str(home / "history" / "runs") in ours
    assert (home / "dagster.yaml").stat().st_mode & 0o077 == 0

    # A moved data directory: the paths follow it.
    moved = tmp_path / "moved"
    home.rename(moved)
    write_instance_config(moved)
    assert str(moved / "history" / "runs") in (moved / "dagster.yaml").read_text()

    # An owner's own configuration is kept as written.
    own = "storage:\n  postgres:\n    postgres_url: {env: DAGSTER_PG_URL}\n"
    (moved / "dagster.yaml").write_text(own)
    write_instance_config(moved)
    assert (moved / "dagster.yaml").read_text() == own
