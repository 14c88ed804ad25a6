"""The last step of an erasure (ingest/erasure.py): once a run built without the
erased people is published, the runs kept for rollback are deleted and the
warehouse file is rewritten, and the erasure log says so."""

from __future__ import annotations

import duckdb

from ..ingest import erasure
from ..settings import Settings
from .switch import Layout, drop_history


def complete_erasures(settings: Settings) -> tuple[list[str], int]:
    """(request ids completed, published runs deleted); nothing when none awaits."""
    pending = sorted(erasure.awaiting_publish(settings.warehouse_path))
    if not pending:
        return [], 0
    dropped = [p for p in drop_history(Layout(settings.data_dir)) if not p.name.startswith(".")]
    erasure.compact_warehouse(settings.warehouse_path)
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        conn.execute(
            f"""insert into {erasure.LOG}
                select distinct request_id, identifier_hash, requested_at, now(), ?, ?
                from {erasure.LOG} where request_id in (select unnest(?::varchar[]))""",
            [erasure.PUBLISHED, len(dropped), pending],
        )
    return pending, len(dropped)
