"""One run at a time per data directory, for the whole run: a second run, started at
any moment of the first, stops before it changes anything and names the first; the
lock dies with its holder."""

import re
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from dagster_project.processes import RUN_LOCK, WarehouseBusy, hold_run_lock, release_run_lock

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dagster_project.processes import hold_run_lock
    hold_run_lock(Path(sys.argv[1]), "run-of-the-other-process")
    print("held", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def other_run(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield holder
    holder.kill()
    holder.wait()


def test_a_second_run_is_refused_naming_the_first(tmp_path, other_run):
    with pytest.raises(WarehouseBusy) as refused:
        hold_run_lock(tmp_path)
    said = str(refused.value)
    assert f"process {other_run.pid}" in said and "run-of-the-other-process" in said and "Nothing was changed" in said
    assert re.search(r"started \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", said), said
    assert "\n" not in said.strip(), "one line"


def test_with_wait_a_second_run_waits_for_the_first_and_then_runs(tmp_path, other_run):
    waited = {}

    def second():
        started = time.monotonic()
        waited["taken"] = hold_run_lock(tmp_path, "second", wait=True)
        waited["after"] = time.monotonic() - started

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.0)
    assert "taken" not in waited, "it waits while the first holds the lock"
    other_run.kill()
    other_run.wait()
    thread.join(timeout=30)
    assert waited["taken"] is True and waited["after"] >= 1.0
    release_run_lock(tmp_path)


def test_the_lock_dies_with_its_holder(tmp_path, other_run):
    other_run.kill()
    other_run.wait()
    assert hold_run_lock(tmp_path) is True
    release_run_lock(tmp_path)


def test_a_process_holding_the_lock_may_start_its_run_and_then_lets_go(tmp_path):
    assert hold_run_lock(tmp_path, "run-1") is True
    assert hold_run_lock(tmp_path, "run-1") is False  # the run's resources, in the process that took it
    assert (tmp_path / RUN_LOCK).read_text().split()[:2] == [str(__import__("os").getpid()), "run-1"]
    release_run_lock(tmp_path)
    checker = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from pathlib import Path
        from dagster_project.processes import hold_run_lock
        print(hold_run_lock(Path({str(tmp_path)!r})))
    """)], capture_output=True, text=True, timeout=60)
    assert checker.stdout.strip() == "True", checker.stderr


def test_make_run_exits_2_while_another_run_holds_the_data_directory(tmp_path, other_run, monkeypatch, capsys):
    from dagster_project import run
    from tests.helpers import make_settings

    settings = make_settings(tmp_path, tmp_path / "landing")
    monkeypatch.setattr(run, "get_settings", lambda: settings)
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    monkeypatch.setattr("dagster_project.ingest.landing.check_landing", lambda *a, **k: None)
    started = time.monotonic()
    assert run.main([]) == 2
    assert "another run is using" in capsys.readouterr().err
    assert time.monotonic() - started < 60
