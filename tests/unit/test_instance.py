"""The instance's event log keeps an engine per database file, stores what Dagster's
own does, and dagster.yaml is written only where the pipeline owns it."""

import os
import threading
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy

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
    """The URL of every engine the event log makes, and of every SQLite connection opened
    through them."""
    made = {"engines": [], "connections": []}
    real = instance_module.create_engine

    def counting(*args, **kwargs):
        engine = real(*args, **kwargs)
        made["engines"].append(args[0])
        sqlalchemy.event.listen(engine, "connect", lambda *_: made["connections"].append(args[0]))
        return engine

    monkeypatch.setattr(instance_module, "create_engine", counting)
    return made


def _names(urls) -> list[str]:
    return sorted(Path(url.split("///")[-1]).name for url in urls)


def test_a_run_stores_every_event_through_one_engine_per_database(tmp_path, engines_made):
    write_instance_config(tmp_path)
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        result = dg.materialize([_many_events()], instance=instance)
        assert result.success
        stored = instance.get_records_for_run(result.run_id, limit=10_000).records
        # The index and the run's own file: not one engine, nor one connection, per event
        # (Dagster's first use of a file opens a second connection while one is in use).
        assert _names(engines_made["engines"]) == sorted(["index.db", f"{result.run_id}.db"])
        assert len(engines_made["connections"]) <= 4 < len(stored)
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


def test_a_run_file_deleted_by_another_process_is_opened_again_not_written_through_the_kept_connection(tmp_path):
    write_instance_config(tmp_path)
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        run = instance.create_run_for_job(dg.GraphDefinition(name="g", node_defs=[]).to_job())
        instance.report_engine_event("before", run)
        # What `dagster run wipe` in another process does to the run's files.
        path = instance.event_log_storage.path_for_shard(run.run_id)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        instance.report_engine_event("after", run)
        with dg.DagsterInstance.local_temp(str(tmp_path)) as reader:
            assert [e.message for e in reader.all_logs(run.run_id)] == ["after"]


def test_a_watcher_in_another_instance_sees_each_event_as_it_is_stored(tmp_path):
    """What the UI's live run log relies on: with the writer's connection kept, a commit
    changes the run file's write-ahead log, not the file itself."""
    write_instance_config(tmp_path)
    with dg.DagsterInstance.local_temp(str(tmp_path)) as writer, dg.DagsterInstance.local_temp(str(tmp_path)) as reader:
        run = writer.create_run_for_job(dg.GraphDefinition(name="g", node_defs=[]).to_job())
        writer.report_engine_event("first", run)
        seen, arrived = [], threading.Event()

        def callback(entry, cursor):
            seen.append(entry.message)
            if entry.message == "second":
                arrived.set()

        reader.event_log_storage.watch(run.run_id, None, callback)
        try:
            writer.report_engine_event("second", run)
            assert arrived.wait(timeout=10), seen
        finally:
            reader.event_log_storage.end_watch(run.run_id, callback)


def test_dagster_yaml_is_written_where_the_pipeline_owns_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").touch()  # what earlier versions left: an empty file
    write_instance_config(home)
    ours = (home / "dagster.yaml").read_text()
    assert ours.startswith(CONFIG_MARK) and str(home / "history" / "runs") in ours
    assert (home / "dagster.yaml").stat().st_mode & 0o077 == 0
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        assert instance.telemetry_enabled is False, "no usage statistics from a pipeline over HR data"

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
