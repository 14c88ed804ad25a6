"""SQL text the pipeline writes itself: file paths in table functions, COMMENT ON, values
in audit queries, where DuckDB takes no bound parameter."""


def string_literal(text: str) -> str:
    """text as a SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"
