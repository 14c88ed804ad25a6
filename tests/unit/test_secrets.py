"""The person-key secret: long enough, never the public default for real extracts, never
in what Dagster stores; dbt's child process dies with its run; a dead run's leftovers
(its run record, its warehouse lock) are dealt with, a live holder named."""

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

import dagster_project
from dagster_project.keys import DBT_SECRET_ENV, UNIT_TEST_SECRET, fingerprint, person_key
from dagster_project.processes import (
    PROCESS_TAG,
    WarehouseBusy,
    check_warehouse,
    mark_dead_runs_failed,
    process_identity,
)
from dagster_project.settings import DEV_SECRET, Settings
from tests.helpers import TEST_SECRET, make_settings

GUARDED_DBT = Path(dagster_project.__file__).parent / "bin" / "guarded-dbt"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("IMPACT_PERSON_KEY_SECRET", "IMPACT_PERSON_KEY_SALT", "IMPACT_LANDING_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMPACT_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_a_secret_shorter_than_32_bytes_is_refused_at_start(env, capsys):
    from dagster_project.run import main

    env.setenv("IMPACT_PERSON_KEY_SECRET", "hunter2-is-too-short")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "at least 32 bytes" in err and "secrets.token_hex(32)" in err
    assert "hunter2" not in err and "Traceback" not in err


def test_the_secret_has_a_new_name_and_the_old_one_still_works(env):
    env.setenv("IMPACT_PERSON_KEY_SALT", TEST_SECRET)
    assert Settings.from_env().person_key_secret == TEST_SECRET
    assert not Settings.from_env().secret_is_default
    env.setenv("IMPACT_PERSON_KEY_SECRET", TEST_SECRET)
    assert Settings.from_env().person_key_secret == TEST_SECRET
    env.setenv("IMPACT_PERSON_KEY_SECRET", TEST_SECRET + "-another")
    with pytest.raises(ValueError, match="both set"):
        Settings.from_env()


def test_the_public_default_secret_is_refused_for_real_extracts(env, tmp_path, capsys):
    from dagster_project.run import main

    env.setenv("IMPACT_LANDING_DIR", str(tmp_path / "real-drops"))
    assert Settings.from_env().secret_is_default
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "public development secret" in err
    assert "export IMPACT_PERSON_KEY_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')" in err
    assert "is not set" in err
    env.delenv("IMPACT_LANDING_DIR")
    assert Settings.from_env().default_secret_problem() is None  # the bundled sample may use it


def test_the_public_secret_set_on_purpose_is_named_as_such(env, tmp_path):
    env.setenv("IMPACT_LANDING_DIR", str(tmp_path / "real-drops"))
    env.setenv("IMPACT_PERSON_KEY_SECRET", DEV_SECRET)
    problem = Settings.from_env().default_secret_problem()
    assert "is set to the public development secret" in problem and "is not set" not in problem
    assert DEV_SECRET not in problem


def test_settings_and_resources_name_the_secret_without_holding_it(tmp_path):
    from dagster_project.dbt_project import ensure_manifest
    from dagster_project.publish.record import code_fingerprint
    from dagster_project.resources import ImpactSettings

    settings = make_settings(tmp_path / "data", tmp_path / "landing")
    assert TEST_SECRET not in repr(settings)
    assert TEST_SECRET not in str(settings.dbt_vars())
    resource = ImpactSettings.from_settings(settings)
    assert TEST_SECRET not in str(resource.model_dump())
    assert resource.person_key_secret_id == fingerprint(TEST_SECRET)
    assert resource.settings().person_key_secret == TEST_SECRET
    manifest = ensure_manifest()
    other = replace(settings, person_key_secret=TEST_SECRET + "-rotated")
    assert code_fingerprint(settings, manifest) != code_fingerprint(other, manifest)


def test_the_keyed_hash_is_hmac_sha256_under_the_secret():
    from dagster_project.dbt_plugins.person_keys import Plugin

    conn = duckdb.connect()
    Plugin("person_keys", {"secret": TEST_SECRET}).configure_connection(conn)
    got = conn.execute(
        "select impact_keyed_hash('secret', 'hris|' || id), impact_keyed_hash('unit_test', 'hris|' || id) "
        "from (values ('E00042'), (null)) as t(id) order by id nulls last"
    ).fetchall()
    expected = hmac.new(TEST_SECRET.encode(), b"hris|E00042", hashlib.sha256).hexdigest()
    assert got == [(expected, person_key(UNIT_TEST_SECRET, "E00042")), (None, None)]
    assert expected == person_key(TEST_SECRET, "E00042")
    assert expected != hashlib.sha256(f"{TEST_SECRET}|hris|E00042".encode()).hexdigest()  # not the old salted key

    unset = duckdb.connect()
    Plugin("person_keys", {"secret": ""}).configure_connection(unset)
    with pytest.raises(duckdb.Error, match=DBT_SECRET_ENV):
        unset.execute("select impact_keyed_hash('secret', 'hris|E1')").fetchall()
    short = duckdb.connect()
    Plugin("person_keys", {"secret": "not-32-bytes"}).configure_connection(short)
    with pytest.raises(duckdb.Error) as error:
        short.execute("select impact_keyed_hash('secret', 'hris|E1')").fetchall()
    assert "not-32-bytes" not in str(error.value)


def test_the_default_secret_is_the_public_one():
    assert len(DEV_SECRET.encode()) >= 32
    assert make_settings(Path("/tmp/d"), Path("/tmp/l"), person_key_secret=DEV_SECRET).person_key_secret == DEV_SECRET


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


PARENT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    env = {**os.environ, "IMPACT_DBT_PYTHON": sys.executable, "IMPACT_DBT_REAL": "sleep"}
    child = subprocess.Popen([sys.argv[1], "60"], env=env)
    print(child.pid, flush=True)
    time.sleep(60)
    """
)


def test_dbt_runs_in_its_own_process_group_and_dies_with_the_run():
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(GUARDED_DBT)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[0] != b"sleep" and time.monotonic() < deadline:
        time.sleep(0.05)  # until the wrapper has exec'd the real program
    assert os.getpgid(child) == child != os.getpgid(parent.pid)

    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while _state(child) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _state(child) in (None, "Z"), "the child outlived the process that started it"


def test_a_run_left_started_by_a_dead_process_is_marked_failed():
    from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, GraphDefinition

    gone = subprocess.Popen(["sleep", "30"])
    dead_identity = process_identity(gone.pid)
    gone.kill()
    gone.wait()
    job = GraphDefinition(name="started", node_defs=[]).to_job()
    with DagsterInstance.ephemeral() as instance:

        def started_by(identity: str):
            return instance.create_run_for_job(job, status=DagsterRunStatus.STARTED, tags={PROCESS_TAG: identity})

        dead = started_by(dead_identity)
        alive = started_by(process_identity())
        elsewhere = started_by("another-host/boot/1/2")
        said = mark_dead_runs_failed(instance)

        assert len(said) == 1 and dead.run_id in said[0]
        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        failure = instance.all_logs(dead.run_id, of_type=DagsterEventType.RUN_FAILURE)[0]
        assert f"pid {gone.pid}" in failure.dagster_event.message and "is gone" in failure.dagster_event.message
        assert instance.get_run_by_id(alive.run_id).status == DagsterRunStatus.STARTED
        assert instance.get_run_by_id(elsewhere.run_id).status == DagsterRunStatus.STARTED


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    conn = duckdb.connect(sys.argv[1])
    conn.execute("create table written_before_the_kill as select 42 as answer")
    print("holding", flush=True)
    time.sleep(60)
    """
)


def test_a_live_warehouse_holder_is_named_and_a_dead_ones_lock_is_gone(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(warehouse)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    with pytest.raises(WarehouseBusy, match=rf"in use by process {holder.pid} \(.*python.*\).*Nothing was changed"):
        check_warehouse(warehouse, attempts=1)

    holder.kill()
    holder.wait()
    assert warehouse.with_name("warehouse.duckdb.wal").exists()
    note = check_warehouse(warehouse)
    assert note and "replayed" in note
    conn = duckdb.connect(str(warehouse), read_only=True)
    assert conn.execute("select answer from written_before_the_kill").fetchall() == [(42,)]
    conn.close()
    assert check_warehouse(warehouse) is None
