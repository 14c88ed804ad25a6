"""SQL the pipeline writes itself: file paths in table functions, COMMENT ON, values in
audit queries, where DuckDB takes no bound parameter; and its transactions."""

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


def string_literal(text: str) -> str:
    """text as a SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All of the block's statements or none: committed when it ends, rolled back when it
    raises (a kill included)."""
    conn.execute("begin transaction")
    try:
        yield
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
