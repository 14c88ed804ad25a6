"""Free text raw keeps for a while only: a contract's `retained_text` column (the search
log's query_text) is blanked once its row is more than IMPACT_QUERY_TEXT_RETENTION_DAYS
older than the feed's newest extract, and so are the quarantined lines of the feed's
files extracted before then (a malformed line may hold the same text).

Counted from the newest extract rather than the clock, so that a run on the same drops
keeps the same text whenever it runs; a feed that stops arriving keeps its last
window until it is erased or dropped (its freshness check warns meanwhile). Staging reads
raw, so what is blanked here is gone from every model on the next build.
"""

from __future__ import annotations

import logging

import duckdb

from ..sql import transaction
from .contracts import FeedContract
from .ledger import LEDGER, QUARANTINE

log = logging.getLogger(__name__)


def expire_text(conn: duckdb.DuckDBPyConnection, contract: FeedContract, days: int) -> int:
    """Blank the feed's retained text older than the window; the number of rows blanked."""
    if contract.retained_text is None:
        return 0
    column, dated_by = contract.retained_text
    newest = conn.execute(f"select max(_extract_date) from {contract.table}").fetchall()[0][0]
    if newest is None:
        return 0
    cutoff = "cast(? as date) - cast(? as integer)"
    with transaction(conn):
        blanked = conn.execute(
            f'update {contract.table} set "{column}" = null '
            f'where "{column}" is not null and "{dated_by}" < {cutoff}',
            [newest, days],
        ).fetchall()[0][0]
        conn.execute(
            f"update {QUARANTINE} set raw_text = null where feed = ? and raw_text is not null "
            f"and file in (select file from {LEDGER} where feed = ? and extract_date < {cutoff})",
            [contract.name, contract.name, newest, days],
        )
    if blanked:
        log.info("%s: blanked %s of %d row(s) older than %d days before %s", contract.name, column, blanked, days, newest)
    return blanked
