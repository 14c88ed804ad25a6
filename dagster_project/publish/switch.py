"""The published runs on disk, and the one pointer that says which of them BI tools read.

    $IMPACT_DATA_DIR/
      published/
        <run_id>/                   one folder per published run, written whole before the switch:
          serving.duckdb            the marts, in the default schema, with every table's and
                                    column's description as COMMENT ON, and publish_info
          exports/<table>.parquet   the same tables as Parquet
          report/index.html         the HTML report, written from this folder's serving.duckdb
          last_published_run.json   what the run was built from, and which run it replaced
        current -> <run_id>         the pointer: a symbolic link, replaced atomically
      serving.duckdb -> published/current/serving.duckdb    stable paths for BI tools
      exports -> published/current/exports
      report -> published/current/report                     and for people

A publish writes a new folder under a temporary name, syncs it, renames it to its run
id, and then flips `current` (a new link renamed over the old one: one atomic
rename). Before the flip every stable path reads the previous run, after it the new
one; at no instant do they read a mix. A process killed at any point leaves either
the old run or the new one published, whole; the leftovers (temporary folders and
links, folders never switched to) are swept at the start of the next publish. The
last `keep` published runs stay for rollback: `rollback` points `current` back to the
run the current one replaced.

No Dagster here: the run CLI uses it for `--rollback` without loading the pipeline.
What goes into a run's folder is serving.py's; the publish asset (asset.py) adds the
audit gate (gate.py) around it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

CURRENT = "current"
SERVING = "serving.duckdb"
EXPORTS = "exports"
REPORT = "report"
REPORT_PAGE = "index.html"
RECORD = "last_published_run.json"
_LOCK = ".publish.lock"
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

T = TypeVar("T")


class PublishError(Exception):
    pass


@dataclass(frozen=True)
class Layout:
    data_dir: Path

    @property
    def root(self) -> Path:
        return self.data_dir / "published"

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    @property
    def serving(self) -> Path:
        """Stable path of the serving file (a link through `current`)."""
        return self.data_dir / SERVING

    @property
    def exports(self) -> Path:
        """Stable path of the Parquet exports (a link through `current`)."""
        return self.data_dir / EXPORTS

    @property
    def report(self) -> Path:
        """Stable path of the report folder (a link through `current`): report/index.html."""
        return self.data_dir / REPORT

    def folder(self, run_id: str) -> Path:
        return self.root / run_id

    def current_run_id(self) -> str | None:
        try:
            target = os.readlink(self.current)
        except OSError:
            return None
        return target if _RUN_ID.fullmatch(target) else None

    def record(self, run_id: str) -> dict | None:
        try:
            return json.loads((self.folder(run_id) / RECORD).read_text())
        except (OSError, ValueError):
            return None

    def history(self) -> list[str]:
        """The current run, the run it replaced, and so on, as far as their folders are kept."""
        ids: list[str] = []
        run_id = self.current_run_id()
        while run_id and run_id not in ids and _RUN_ID.fullmatch(run_id):
            record = self.record(run_id)
            if record is None:
                break
            ids.append(run_id)
            run_id = record.get("previous_run_id")
        return ids


# --- the publish -------------------------------------------------------------------


def publish(layout: Layout, run_id: str, write: Callable[[Path, str | None], T], keep: int) -> T:
    """Publishes the folder `write(folder, previous_run_id)` fills, as run `run_id`.
    `write` must write the record (RECORD) last: a folder with a record is whole."""
    if not _RUN_ID.fullmatch(run_id) or run_id == CURRENT:
        raise ValueError(f"not a run id: {run_id!r}")
    layout.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(layout):
        sweep(layout, keep)
        previous = layout.current_run_id()
        if run_id == previous:
            raise PublishError(f"run {run_id} is already the published run")
        staging = layout.root / f".{run_id}.{uuid.uuid4().hex[:8]}.tmp"
        staging.mkdir(mode=0o700)
        try:
            result = write(staging, previous)
            if not (staging / RECORD).exists():
                raise PublishError(f"the publish of run {run_id} wrote no {RECORD}")
            _sync_tree(staging)
            final = layout.folder(run_id)
            _remove(final)
            os.rename(staging, final)
            _sync_dir(layout.root)
        except BaseException:
            _remove(staging)
            raise
        switch(layout, run_id)
        link_stable_paths(layout)
        sweep(layout, keep)
    return result


def switch(layout: Layout, run_id: str) -> None:
    """The one switch: `current` now names run_id (a new link renamed over the old one)."""
    staged = layout.root / f".{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    os.symlink(run_id, staged)
    try:
        os.replace(staged, layout.current)
    except BaseException:
        _remove(staged)
        raise
    _sync_dir(layout.root)


def link_stable_paths(layout: Layout) -> None:
    """serving.duckdb and exports/ in the data directory lead through `current`, and so
    does report/ while the current run has one (a run published before reports has none:
    the link goes, rather than lead nowhere). Made once; a serving file or exports folder
    of the layout before published/ is replaced (the file atomically; the folder is moved
    aside and swept by the next publish)."""
    links = [
        (layout.serving, f"{layout.root.name}/{CURRENT}/{SERVING}"),
        (layout.exports, f"{layout.root.name}/{CURRENT}/{EXPORTS}"),
    ]
    if (layout.current / REPORT).is_dir():
        links.append((layout.report, f"{layout.root.name}/{CURRENT}/{REPORT}"))
    elif layout.report.is_symlink():
        layout.report.unlink()
    for path, target in links:
        if path.is_symlink() and os.readlink(path) == target:
            continue
        staged = path.with_name(f".{path.name}.link.tmp")
        _remove(staged)
        os.symlink(target, staged)
        if path.is_dir() and not path.is_symlink():
            os.rename(path, layout.root / f".legacy-{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        os.replace(staged, path)
    _sync_dir(layout.data_dir)


def sweep(layout: Layout, keep: int) -> list[Path]:
    """Removes what no reader can reach: temporary files, folders and links a killed
    publish left, published folders never switched to, and published runs beyond the
    newest `keep` (the current one and those it replaced)."""
    removed: list[Path] = []
    # Leftovers of the layout before published/ (staged files, the record beside the data).
    leftovers = [
        *layout.data_dir.glob(f".{SERVING}.*tmp"),
        *layout.data_dir.glob(f".{EXPORTS}.*tmp"),
        layout.data_dir / "last_published_run.tmp",
        layout.data_dir / RECORD,
    ]
    if layout.exports.is_dir() and not layout.exports.is_symlink():
        leftovers += layout.exports.glob(".*.tmp")
    if layout.root.is_dir():
        current = layout.current_run_id()
        kept = set(layout.history()[:keep]) | ({current} if current else set())
        for entry in layout.root.iterdir():
            if entry.name in (CURRENT, _LOCK):
                continue
            if entry.name.endswith(".tmp") or entry.name not in kept:
                leftovers.append(entry)
    for path in leftovers:
        if path.is_symlink() or path.exists():
            _remove(path)
            removed.append(path)
    return removed


def drop_history(layout: Layout) -> list[Path]:
    """Removes every published run but the current one (after an erasure: the runs kept
    for rollback still hold the erased person)."""
    with _locked(layout):
        return sweep(layout, keep=1)


def rollback(layout: Layout) -> tuple[str, str]:
    """Points `current` back to the run the current one replaced; returns (from, to)."""
    with _locked(layout):
        current = layout.current_run_id()
        if current is None:
            raise PublishError(f"nothing is published in {layout.data_dir}: nothing to roll back")
        previous = (layout.record(current) or {}).get("previous_run_id")
        if not previous or layout.record(previous) is None:
            raise PublishError(
                f"run {current} is published and no earlier published run is kept to roll back to "
                "(IMPACT_KEEP_PUBLISHED keeps the newest runs; a run rolled back from is dropped by the next publish)"
            )
        switch(layout, previous)
        link_stable_paths(layout)
        return current, previous


# --- helpers ------------------------------------------------------------------------


@contextmanager
def _locked(layout: Layout) -> Iterator[None]:
    """One publish or rollback at a time per data directory."""
    layout.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(layout.root / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tree(root: Path) -> None:
    """Files and folders on disk before the switch, so that a power cut cannot leave
    `current` naming a folder of half-written files."""
    folders = [root]
    for path in root.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            folders.append(path)
        else:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for folder in reversed(folders):
        _sync_dir(folder)
