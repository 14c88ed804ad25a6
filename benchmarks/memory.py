"""Peak resident memory of this process and of its descendants (dbt), from each
process's own high-water mark (VmHWM in /proc/<pid>/status).

Not getrusage: Linux keeps ru_maxrss across execve, so a process started by a parent
that had grown (the benchmark's parent runs the generator, the ingest bench and the
engine floor in-process) reports the parent's peak as its own; and a child's figure
carries what the Dagster process held when it forked dbt. VmHWM belongs to the process's
address space, which exec replaces, so it starts from zero there."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_PROC = Path("/proc")


def high_water_gb(pid: int | str = "self") -> float:
    """The process's peak resident memory so far, in GB (0 if it is gone)."""
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e9
    except (OSError, ValueError):
        pass
    return 0.0


def _cmdline(pid: int) -> bytes:
    try:
        return (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def _parent_of() -> dict[int, int]:
    """Every process's parent: pid -> ppid."""
    parents = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                # The command may hold spaces and parentheses: the fields after the last ')'.
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def descendants(root: int) -> set[int]:
    parents = _parent_of()
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class DescendantPeak:
    """Polls this process's descendants' high-water marks while it runs: the largest is
    the peak of the biggest child (dbt). A child's growth in its last poll interval
    before it exits is missed; the mark only rises, so nothing earlier is."""

    def __init__(self, interval_s: float = 0.2):
        self.interval_s = interval_s
        self.peak_gb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        me = os.getpid()
        own = _cmdline(me)
        while not self._stop.is_set():
            for pid in descendants(me):
                # A child between fork (or vfork) and exec still runs in this process's
                # memory and reports its high-water mark: it is not a child's own yet.
                if _cmdline(pid) != own:
                    self.peak_gb = max(self.peak_gb, high_water_gb(pid))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> DescendantPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
