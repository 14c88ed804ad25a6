"""Runs killed with kill -9 — during ingest, during dbt, right after the publish switch —
leave one whole published run, no writer behind, no run "STARTED" for ever; the rerun
publishes what a clean run publishes; `make rollback` brings the previous run back.
The person-key secret of these runs appears nowhere they wrote, nor on a command line.

One story, told once (module fixture), in a data directory whose last published run
is the session's clean run (copied in, as yesterday's publish):

  A  `python -m dagster_project.run`, killed once the first feed is ingested
  B  rerun, killed (the run process only) once dbt has built a table
  C  rerun, killed by itself right after it switched published/current to its folder
  E  rerun: marks C failed, finds everything up to date, does nothing
  then `make rollback`

Meanwhile a reader polls serving.duckdb and exports/ through the stable paths, and a
thread records every command line on the machine (`ps -eo args`).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.processes import check_warehouse
from dagster_project.publish.switch import RECORD, Layout
from dagster_project.settings import REPO_ROOT
from tests.helpers import TEST_BOOTSTRAP_SAMPLES, TEST_SECRET

pytestmark = pytest.mark.integration

RUN = [sys.executable, "-m", "dagster_project.run", "--force"]
# C: the real CLI, with the publish switch patched to SIGKILL the process right after it.
KILLED_AFTER_SWITCH = textwrap.dedent(
    """
    import os, signal, sys
    import dagster_project.publish.switch as published
    switch = published.switch
    def switch_then_die(layout, run_id):
        switch(layout, run_id)
        os.kill(os.getpid(), signal.SIGKILL)
    published.switch = switch_then_die
    from dagster_project.run import main
    sys.exit(main(["--force"]))
    """
)
READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    data, stop = sys.argv[1], sys.argv[2]
    current = os.path.join(data, "published", "current")
    serving, parquet = os.path.join(data, "serving.duckdb"), os.path.join(data, "exports", "program_impact.parquet")
    reads, runs, mixed = 0, set(), []
    while not os.path.exists(stop):
        before = os.readlink(current)
        s_real, p_real = os.path.realpath(serving), os.path.realpath(parquet)
        conn = duckdb.connect(serving, read_only=True)
        s_rows = conn.execute("select count(*) from program_impact").fetchall()[0][0]
        conn.close()
        p_rows = duckdb.sql(f"select count(*) from '{parquet}'").fetchall()[0][0]
        after = os.readlink(current)
        if before == after:
            folder = os.path.join(data, "published", before) + os.sep
            if not (s_real.startswith(folder) and p_real.startswith(folder)) or s_rows != p_rows:
                mixed.append((before, s_real, p_real, s_rows, p_rows))
            runs.add(before)
        reads += 1
        time.sleep(0.02)
    print(reads, len(runs), mixed)
    """
)


@dataclass
class Run:
    returncode: int
    output: str
    seconds: float


@dataclass
class Story:
    data: Path
    clean_run_id: str
    clean_files: dict[str, bytes]
    runs: dict[str, Run] = field(default_factory=dict)
    dbt_pid: int = 0
    dbt_gone_after: float | None = None
    warehouse_note: str | None = "unchecked"
    current_after_c: str | None = None
    published_after_a: list[str] = field(default_factory=list)
    tables_after_rerun: dict[str, pd.DataFrame] = field(default_factory=dict)
    rollback: Run | None = None
    command_lines: set[str] = field(default_factory=set)
    reader: str = ""
    run_statuses: dict[str, tuple[str, str]] = field(default_factory=dict)


def _env(data: Path, landing: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPACT_")}
    env.update(
        IMPACT_DATA_DIR=str(data),
        IMPACT_LANDING_DIR=str(landing),
        IMPACT_PERSON_KEY_SECRET=TEST_SECRET,
        IMPACT_BOOTSTRAP_SAMPLES=str(TEST_BOOTSTRAP_SAMPLES),
        DAGSTER_HOME=str(data / "dagster_home"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(args: list[str], env: dict, kill_when=None, timeout: float = 600, watch: Path | None = None) -> Run:
    """Runs the CLI; `kill_when(line, process)` may SIGKILL it when a line shows up on its
    output, or, with `watch`, in that file (the run's log, where dbt's lines go)."""
    started = time.monotonic()
    if watch is not None:
        watch.unlink(missing_ok=True)
    process = subprocess.Popen(
        args, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    lines = []

    def tail() -> None:
        while process.poll() is None and not watch.exists():
            time.sleep(0.02)
        with watch.open(encoding="utf-8", errors="replace") as log:
            while process.poll() is None:
                line = log.readline()
                if not line:
                    time.sleep(0.02)
                elif kill_when(line, process):
                    return

    tailer = threading.Thread(target=tail, daemon=True) if watch is not None and kill_when is not None else None
    if tailer is not None:
        tailer.start()
    try:
        for line in process.stdout:
            lines.append(line)
            if tailer is None and kill_when is not None and kill_when(line, process):
                kill_when = None
        process.wait()
    finally:
        watchdog.cancel()
        if tailer is not None:
            tailer.join(timeout=30)
    return Run(process.returncode, "".join(lines), time.monotonic() - started)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _state(pid: int) -> str | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2]


def _published_tables(data: Path) -> dict[str, pd.DataFrame]:
    conn = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        # publish_info names the run that published and when: the one table two runs never share.
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_name <> 'publish_info' order by 1"
            ).fetchall()
        ]
        return {t: conn.execute(f'select * from "{t}" order by all').df() for t in tables}
    finally:
        conn.close()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def story(pipeline, small_landing, tmp_path_factory) -> Story:
    data = tmp_path_factory.mktemp("crash") / "data"
    env = _env(data, small_landing)

    # Yesterday's publish: the session's clean run, copied in as the published run.
    clean = Layout(pipeline.settings.data_dir)
    clean_id = clean.current_run_id()
    layout = Layout(data)
    layout.root.mkdir(parents=True, mode=0o700)
    data.chmod(0o700)
    shutil.copytree(clean.folder(clean_id), layout.folder(clean_id))
    os.symlink(clean_id, layout.current)
    os.symlink("published/current/serving.duckdb", layout.serving)
    os.symlink("published/current/exports", layout.exports)
    story = Story(data, clean_id, {"serving.duckdb": (layout.serving).read_bytes(), **_files(layout.exports)})

    stop_polling = threading.Event()

    def poll_command_lines():
        while not stop_polling.is_set():
            out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
            story.command_lines.update(out.splitlines())
            time.sleep(0.05)

    poller = threading.Thread(target=poll_command_lines, daemon=True)
    poller.start()
    stop_file = data.parent / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(data), str(stop_file)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        # A: killed during ingest, once the first feed is loaded (its line shows with --verbose).
        ingested = re.compile(r"DEBUG\s+raw__\w+ - \w+: \d+ new, ")

        def kill_during_ingest(line, process):
            if not ingested.search(line):
                return False
            os.kill(process.pid, signal.SIGKILL)
            return True

        story.runs["A"] = _run([*RUN, "--verbose"], env, kill_during_ingest)
        story.published_after_a = sorted(p.name for p in layout.root.iterdir())

        # B: killed (the run process alone, not its group) once dbt has written a table.
        def kill_during_dbt(line, process):
            if "OK created sql table model" not in line:
                return False
            dbt = [pid for pid in _children(process.pid) if b"build" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            story.dbt_pid = dbt[0] if dbt else -1
            if dbt:  # dbt's own command line, for certain (the ps poller may miss a short dbt on a busy machine)
                story.command_lines.add(Path(f"/proc/{dbt[0]}/cmdline").read_bytes().replace(b"\0", b" ").decode())
            os.kill(process.pid, signal.SIGKILL)
            killed = time.monotonic()
            while _state(story.dbt_pid) not in (None, "Z") and time.monotonic() - killed < 10:
                time.sleep(0.05)
            if _state(story.dbt_pid) in (None, "Z"):
                story.dbt_gone_after = time.monotonic() - killed
            return True

        story.runs["B"] = _run(RUN, env, kill_during_dbt, watch=data / "last_run.log")  # dbt's lines go there
        story.warehouse_note = check_warehouse(data / "warehouse.duckdb")

        # C: the rerun, killed right after the switch; E: the next run.
        # A script file, not `python -c`: with pyspark installed (`.[spark]`), GX imports
        # pyspark.sql.connect, which takes a __main__ without a file for its own doctests and exits.
        script = data.parent / "killed_after_switch.py"
        script.write_text(KILLED_AFTER_SWITCH)
        story.runs["C"] = _run([sys.executable, str(script)], env)
        story.current_after_c = layout.current_run_id()
        story.runs["E"] = _run([sys.executable, "-m", "dagster_project.run"], env)
        story.tables_after_rerun = _published_tables(data)

        # make rollback (-o: never reinstall the venv from inside a test).
        story.rollback = _run(["make", "-s", "-o", ".venv/.installed", "rollback"], env)
    finally:
        stop_file.touch()
        story.reader = reader.communicate(timeout=60)[0]
        stop_polling.set()
        poller.join()

    timings = {name: f"{run.seconds:.0f}s" for name, run in {**story.runs, "rollback": story.rollback}.items() if run}
    print(f"\ncrash-recovery story: {timings}")

    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.local_temp(str(data / "dagster_home")) as instance:
        for record in instance.get_run_records():
            run = record.dagster_run
            failure = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
            story.run_statuses[run.run_id] = (run.status.value, failure[0].message if failure else "")
    return story


def test_a_kill_during_ingest_publishes_nothing_and_the_next_run_marks_it_failed(story):
    assert story.runs["A"].returncode == -signal.SIGKILL, story.runs["A"].output[-3000:]
    assert [name for name in story.published_after_a if not name.startswith(".")] == sorted([story.clean_run_id, "current"])
    assert "Marked failed by a later run" in story.runs["B"].output
    failed = [message for status, message in story.run_statuses.values() if status == "FAILURE"]
    assert len(failed) == 3, story.run_statuses  # A, B and C: each marked by the run after it
    assert all("its process (pid" in message and "is gone" in message for message in failed), failed
    assert not [s for s, _ in story.run_statuses.values() if s in ("STARTED", "STARTING")]


def test_a_kill_during_dbt_takes_the_dbt_child_with_it(story):
    assert story.runs["B"].returncode == -signal.SIGKILL, story.runs["B"].output[-3000:]
    assert story.dbt_pid > 0, "no dbt child found while dbt was building"
    assert story.dbt_gone_after is not None, f"dbt (pid {story.dbt_pid}) outlived the run that started it"
    assert story.dbt_gone_after < 5
    # Its lock died with it: the next open found the warehouse free (and replayed any log).
    assert story.warehouse_note is None or "replayed" in story.warehouse_note


def test_a_kill_right_after_the_switch_leaves_the_new_run_published_whole(story):
    c, e = story.runs["C"], story.runs["E"]
    assert c.returncode == -signal.SIGKILL, c.output[-3000:]
    assert story.current_after_c not in (None, story.clean_run_id)
    record = Layout(story.data).record(story.current_after_c)
    assert record["run_id"] == story.current_after_c and record["previous_run_id"] == story.clean_run_id
    # The next run marks C failed and finds the published run complete and current.
    assert e.returncode == 0, e.output[-3000:]
    assert f"run {story.current_after_c}: Marked failed by a later run" in e.output
    assert "Up to date" in e.output and story.current_after_c in e.output
    # Its report was written before the switch: the next plain run had nothing to repair.
    report = Layout(story.data).folder(story.current_after_c) / "report"
    assert "Learning impact report" in (report / "index.html").read_text() and (report / "impact_report.md").exists()
    assert "had no finished report" not in e.output


def test_the_rerun_publishes_what_a_clean_run_publishes(story, pipeline):
    clean = _published_tables(pipeline.settings.data_dir)
    assert sorted(story.tables_after_rerun) == sorted(clean)
    for table, frame in clean.items():
        pd.testing.assert_frame_equal(story.tables_after_rerun[table], frame, check_exact=False, rtol=1e-9)


def test_a_reader_never_sees_serving_and_parquet_from_different_runs(story):
    reads, runs, mixed = story.reader.split(" ", 2)
    assert mixed.strip() == "[]", story.reader
    assert int(reads) > 100 and int(runs) >= 2, story.reader  # it read both runs, around the switch


def test_make_rollback_restores_the_previous_run_byte_for_byte(story):
    assert story.rollback.returncode == 0, story.rollback.output
    assert f"now lead to run {story.clean_run_id}" in story.rollback.output
    layout = Layout(story.data)
    assert layout.current_run_id() == story.clean_run_id
    assert {"serving.duckdb": layout.serving.read_bytes(), **_files(layout.exports)} == story.clean_files
    assert (layout.folder(story.current_after_c) / RECORD).exists(), "the rolled-back run stays until the next publish"


def test_the_secret_appears_nowhere_the_runs_wrote_nor_on_any_command_line(story):
    secret = TEST_SECRET.encode()
    leaks = [str(p) for p in story.data.rglob("*") if p.is_file() and not p.is_symlink() and secret in p.read_bytes()]
    assert leaks == []
    assert any("dbt" in line and " build " in line for line in story.command_lines), "ps never saw dbt"
    assert [line for line in story.command_lines if TEST_SECRET in line] == []
    for run in story.runs.values():
        assert TEST_SECRET not in run.output


def test_everything_in_the_data_directory_is_owner_only(story):
    loose = [
        f"{oct(p.stat().st_mode & 0o777)} {p}"
        for p in [story.data, *story.data.rglob("*")]
        if not p.is_symlink() and p.stat().st_mode & 0o077
    ]
    assert loose == []
