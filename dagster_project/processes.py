"""No orphaned writers, no runs left "STARTED" for ever, no stack trace for a busy warehouse.

- dbt runs as a guarded child: `dagster_project/bin/guarded-dbt` (the dbt resource's
  `dbt_executable`) runs `python -m dagster_project.processes <dbt> <args>`, which puts
  itself in its own process group, asks Linux to SIGKILL it when the process that
  started it dies (prctl PR_SET_PDEATHSIG), and execs dbt. Killing a run, even with
  kill -9, takes its dbt with it: nothing goes on writing to the warehouse.
- Every run is tagged with the identity of the process executing it (host, boot, pid,
  process start time). The next run marks a run still "STARTED" whose process is gone
  as failed, saying why, before it starts.
- DuckDB locks its files per process, so a lock dies with its holder; a write-ahead log
  the dead holder left is replayed when the warehouse is next opened. A live holder is
  named (pid and command line) instead of surfacing as a stack trace.
- One run at a time per data directory, for the whole run: every run, however launched,
  holds an exclusive lock on `$IMPACT_DATA_DIR/.run.lock` (flock: it dies with its
  holder) from its first step to its last; a second run stops before it changes
  anything, naming the first.

Linux only (prctl, /proc). This module is imported by the dbt wrapper before dbt starts:
nothing heavy at module level.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

PROCESS_TAG = "impact/process"
_PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGKILL) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")


def exec_guarded(argv: list[str]) -> None:
    """Become `argv`, in a process group of its own, killed when our parent dies."""
    parent = os.getppid()
    try:
        set_parent_death_signal(signal.SIGKILL)
    except (AttributeError, OSError) as error:  # not Linux: run unguarded, and say so
        print(f"WARNING: {argv[0]} will not die with its parent ({error})", file=sys.stderr)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(128 + signal.SIGKILL)
    with contextlib.suppress(PermissionError):  # already a session leader: a group of its own anyway
        os.setpgid(0, 0)
    os.execvp(argv[0], argv)


def stop(process, grace: float = 20) -> None:
    """Stops a child still running: SIGINT (dbt cancels its queries and exits), then SIGKILL."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except Exception:
        process.kill()
        process.wait()


# --- which process runs a run --------------------------------------------------------


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown-boot"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (distinguishes a reused pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    return stat[stat.rindex(")") + 2 :].split()[19]


def process_identity(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}/{_boot_id()}/{pid}/{_start_time(pid)}"


def process_alive(identity: str) -> bool | None:
    """True or False for a process of this machine since its last boot; None when the
    identity belongs to another host or boot (nothing can be said from here)."""
    try:
        host, boot, pid, started = identity.rsplit("/", 3)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    if boot != _boot_id():
        return False
    return _start_time(int(pid)) == started


def command_line(pid: int) -> str:
    try:
        text = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split())
    except OSError:
        return "?"
    return text if len(text) <= 160 else text[:157] + "..."


def mark_dead_runs_failed(instance, exclude_run_id: str | None = None) -> list[str]:
    """Marks failed every run still STARTED (or STARTING, CANCELING) whose process is
    gone; returns what it said about each."""
    from dagster import DagsterRunStatus, RunsFilter

    said = []
    records = instance.get_run_records(
        filters=RunsFilter(
            statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
        )
    )
    for record in records:
        run = record.dagster_run
        identity = run.tags.get(PROCESS_TAG)
        if run.run_id == exclude_run_id or not identity or process_alive(identity) is not False:
            continue
        pid = identity.rsplit("/", 3)[2]
        message = (
            f"Marked failed by a later run: this run was {run.status.value} but its process (pid {pid} on "
            f"{identity.split('/', 1)[0]}) is gone — killed or crashed without reporting. Its dbt child died "
            "with it; the published marts are whatever the last complete publish switched to."
        )
        instance.report_run_failed(run, message=message)
        said.append(f"run {run.run_id}: {message}")
    return said


# --- the warehouse's lock -----------------------------------------------------------


class WarehouseBusy(Exception):
    """A live process holds the warehouse."""


RUN_LOCK = ".run.lock"
_held: dict[str, int] = {}  # lock file -> descriptor, for the locks this process holds


def hold_run_lock(data_dir: Path, run_id: str = "", wait: bool = False) -> bool:
    """Takes the data directory's run lock for this process, or raises WarehouseBusy
    naming the process (and run) that holds it and since when; with `wait`, blocks
    until the holder is done instead. True when taken now, False when this process held
    it already (a run started by `make run` whose resources take it again)."""
    import fcntl

    path = str(data_dir / RUN_LOCK)
    if path in _held:
        return False
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd, data_dir)
        if not wait:
            os.close(fd)
            raise WarehouseBusy(
                f"another run is using {data_dir}: {holder}. Nothing was changed. Wait for it to finish "
                "(or stop it), then run again, or run with --wait."
            ) from None
        log.warning("waiting for the other run using %s to finish: %s", data_dir, holder)
        fcntl.flock(fd, fcntl.LOCK_EX)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {run_id or '-'} {started}\n".encode(), 0)
    _held[path] = fd
    return True


def _holder(fd: int, data_dir: Path) -> str:
    """Who holds the lock, from what it wrote: pid, run id, start time."""
    fields = os.pread(fd, 512, 0).decode(errors="replace").split()
    pid = int(fields[0]) if fields and fields[0].isdigit() else None
    who = f"process {pid} ({command_line(pid)})" if pid else "another process"
    if len(fields) > 1 and fields[1] != "-":
        who += f", run {fields[1]}"
    if len(fields) > 2:
        who += f", started {fields[2]}"
    return who


def release_run_lock(data_dir: Path) -> None:
    fd = _held.pop(str(data_dir / RUN_LOCK), None)
    if fd is not None:
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock


def release_run_locks() -> None:
    for path in list(_held):
        release_run_lock(Path(path).parent)


_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")


def check_warehouse(path: Path, attempts: int = 6) -> str | None:
    """Opens the warehouse for writing and closes it: raises WarehouseBusy naming the
    process that holds it; returns a note when a write-ahead log left by an interrupted
    process was replayed (its committed work kept, the rest discarded)."""
    import duckdb

    if not path.exists():
        return None
    wal = path.with_name(path.name + ".wal")
    leftover = wal.exists()
    for attempt in range(attempts):
        try:
            duckdb.connect(str(path)).close()
            break
        except duckdb.IOException as error:
            match = _HOLDER.search(str(error))
            if not match:
                raise
            if attempt + 1 < attempts:  # a sensor or a quick query may hold it for a moment
                time.sleep(0.5)
    else:
        pid = int(match["pid"])
        raise WarehouseBusy(
            f"the warehouse {path} is in use by process {pid} ({command_line(pid)}): another run, or a tool "
            "that has it open. Nothing was changed. Wait for it to finish or stop it, then run again."
        ) from None
    if leftover:
        return (
            f"{wal.name} was left by an interrupted process: DuckDB replayed its committed transactions and "
            "discarded the rest; the lock died with that process"
        )
    return None


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m dagster_project.processes EXECUTABLE [ARG...]")
    exec_guarded(sys.argv[1:])
