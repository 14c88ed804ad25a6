"""The Dagster instance's event log: Dagster's SQLite storage, with its connections kept.

Dagster's SqliteEventLogStorage makes a new SQLAlchemy engine for every connection and
closes the connection after each write. A new engine compiles every statement again (the
compiled cache belongs to the engine), and closing the last connection to a WAL database
checkpoints it to disk: together about 20 ms for each of the 700 events a run stores on
the small sample (plans, outputs, materializations, check evaluations), most of the
seconds a run spends outside its own work. This storage keeps one engine per database
file, with a pooled connection, and is otherwise Dagster's own: the same files, schema
and durability (each event still commits on its own).

A data directory's DAGSTER_HOME gets a dagster.yaml naming it (write_instance_config);
an instance configured otherwise (Postgres, say) is left as its owner wrote it.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

# The index database and the runs being written or read; the webserver reads many runs,
# so engines are kept for the most recently used files only.
KEEP_ENGINES = 8

CONFIG_MARK = "# Written by the pipeline (dagster_project/instance.py)."


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine and a pooled connection per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        # Set before Dagster's constructor, which may already connect to the index.
        self._engines: OrderedDict[str, Engine] = OrderedDict()
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
        if self._engines_pid != os.getpid():
            # A forked child must not use, nor close, its parent's connections.
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()
        engine = self._engines.get(shard)
        # Dagster forgets which files it initialised when it wipes or upgrades them: the
        # connection kept to such a file may point at one since deleted.
        if engine is not None and shard not in self._initialized_dbs:
            self._engines.pop(shard).dispose()
            engine = None
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > KEEP_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


def write_instance_config(dagster_home: Path) -> None:
    """DAGSTER_HOME/dagster.yaml with this event log, when the file is missing, empty or
    written here before (its paths follow the folder); a file its owner wrote is kept."""
    path = dagster_home / "dagster.yaml"
    current = path.read_text() if path.exists() else ""
    if current.strip() and not current.startswith(CONFIG_MARK):
        return
    wanted = (
        f"{CONFIG_MARK} Remove this line to keep your own changes.\n"
        "# Dagster's SQLite event log, keeping its connections (see the module's docstring).\n"
        "event_log_storage:\n"
        f"  module: {__name__}\n"
        f"  class: {PooledSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {_yaml_str(dagster_home.resolve() / 'history' / 'runs')}\n"
    )
    if current != wanted:
        tmp = path.with_name(".dagster.yaml.tmp")
        tmp.write_text(wanted)
        tmp.chmod(0o600)
        os.replace(tmp, path)


def _yaml_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
