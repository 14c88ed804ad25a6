"""The Dagster instance's event log: Dagster's SQLite storage, with its connections kept.

Dagster's SqliteEventLogStorage makes a new SQLAlchemy engine for every connection and
closes the connection after each write. A new engine compiles every statement again (the
compiled cache belongs to the engine), and closing the last connection to a WAL database
checkpoints it to disk: together about 20 ms for each of the 700 events a run stores on
the small sample (plans, outputs, materializations, check evaluations), most of the
seconds a run spends outside its own work. This storage keeps one engine per database
file, with a pooled connection, and is otherwise Dagster's own: the same files, schema
and durability (each event still commits on its own). Two things follow from a kept
connection, and are handled: a commit changes the run file's write-ahead log rather
than the file, so the watch behind the UI's live run log follows both; and a file
deleted or replaced behind a kept connection (a wipe) is opened again, not written
through it.

A data directory's DAGSTER_HOME gets a dagster.yaml naming it (write_instance_config);
an instance configured otherwise (Postgres, say) is left as its owner wrote it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from watchdog.events import FileSystemEvent, PatternMatchingEventHandler
from watchdog.observers import Observer

# The index database and the runs being written or read; the webserver reads many runs,
# so engines are kept for the most recently used files only.
KEEP_ENGINES = 8

CONFIG_MARK = "# Written by the pipeline (dagster_project/instance.py)."


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine and a pooled connection per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        # Set before Dagster's constructor, which may already connect to the index.
        self._engines: OrderedDict[str, tuple[Engine, tuple[int, int] | None]] = OrderedDict()
        self._engines_pid = os.getpid()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # Dagster's classmethod names its own class.
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        self._forget_parents_engines()
        file_id = _file_id(self.path_for_shard(shard))
        kept = self._engines.get(shard)
        if kept is not None and (shard not in self._initialized_dbs or kept[1] != file_id):
            # The file was wiped or upgraded here (Dagster forgets it initialised it), or
            # deleted or replaced by another process (`dagster run wipe`): a kept
            # connection would go on writing to the file that is gone.
            self._engines.pop(shard)[0].dispose()
            self._initialized_dbs.discard(shard)
            kept = None
        if kept is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                # One connection in use at a time (under _db_lock); Dagster's first-use
                # initialisation opens a second one while the first is checked out.
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            kept = self._engines[shard] = (engine, _file_id(self.path_for_shard(shard)))
            while len(self._engines) > KEEP_ENGINES:
                self._engines.popitem(last=False)[1][0].dispose()
        self._engines.move_to_end(shard)
        return kept[0]

    def _forget_parents_engines(self) -> None:
        if self._engines_pid != os.getpid():
            # A forked child must not use, nor close, its parent's connections.
            for engine, _ in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()

    def _dispose_engines(self) -> None:
        with self._db_lock:
            self._forget_parents_engines()
            for engine, _ in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        # Closed before the files are deleted, so that no deleted file stays open.
        self._dispose_engines()
        super().wipe()

    def watch(self, run_id: str, cursor: str | None, callback) -> None:
        # Dagster's watch, with a watchdog that also wakes on the run file's write-ahead log.
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _RunLogWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (watchdog, self._obs.schedule(watchdog, self._base_dir, recursive=True))

    def dispose(self) -> None:
        super().dispose()
        self._dispose_engines()


class _RunLogWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's watchdog wakes when <run>.db changes: with a connection kept, a commit
    changes <run>.db-wal, and <run>.db only at a checkpoint. The UI's live run log
    follows this watch."""

    def __init__(self, storage: SqliteEventLogStorage, run_id: str, callback, cursor: str | None):
        super().__init__(storage, run_id, callback, cursor)
        PatternMatchingEventHandler.__init__(self, patterns=[self._log_path, self._log_path + "-wal"])

    def on_modified(self, event: FileSystemEvent) -> None:
        self._process_log()


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def write_instance_config(dagster_home: Path) -> None:
    """DAGSTER_HOME/dagster.yaml with this event log, when the file is missing, empty or
    written here before (its paths follow the folder); a file its owner wrote is kept."""
    path = dagster_home / "dagster.yaml"
    current = path.read_text() if path.exists() else ""
    if current.strip() and not current.startswith(CONFIG_MARK):
        return
    config = {
        "event_log_storage": {
            "module": __name__,
            "class": PooledSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(dagster_home.resolve() / "history" / "runs")},
        },
        "telemetry": {"enabled": False},
    }
    wanted = (
        f"{CONFIG_MARK} Remove this line to keep your own changes.\n"
        "# Dagster's SQLite event log, keeping its connections (see the module's docstring),\n"
        "# and no usage statistics sent to Dagster's vendor from a pipeline over HR data.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
    if current != wanted:
        # A temporary file of its own (owner-only from the start), then one rename: two
        # processes writing it at once leave one whole file.
        fd, tmp = tempfile.mkstemp(dir=dagster_home, prefix=".dagster.yaml.")
        with os.fdopen(fd, "w") as out:
            out.write(wanted)
        os.replace(tmp, path)


if __name__ == "__main__":
    # `make dev` writes it before the webserver and the daemon open the instance. Imported
    # by its name, so that the file names the module, not __main__.
    from dagster_project.instance import write_instance_config as write

    write(Path(sys.argv[1]))
