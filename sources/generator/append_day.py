"""--append-day DATE: one more night's files on top of an existing landing folder.

A nightly run sees one new day of the incremental feeds (tickets, deals, learning
statements) and that day's HRIS snapshot. The world model draws its whole period at
once, so the new day is continued from what the folder already holds, the way the
systems would: some open tickets get resolved and some open deals close (new versions
of the same keys), and the day brings new tickets, deals and statements shaped like
the last four weeks' (same people, same durations, times moved to the new day, work
that would finish after it still open). The optional feeds, when the folder has them,
go on the same way: knowledge-article views (a view used on a ticket stays used when
its reader opened a ticket on the new day before it) and searches. Every choice is a
hash of the key and the date, so the same folder and date always give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb

from .contracts import csv_columns, validate_against_contracts
from .writers import LandingWriter

LOOKBACK_DAYS = 28  # the new day looks like one day of these
RESOLVE_SHARE = 0.3  # of the open tickets, resolved on the new day
CLOSE_SHARE = 0.05  # of the open deals, closed on the new day
DELETE_SHARE = 0.005  # of the open deals, deleted on the new day (Salesforce's IsDeleted)
VOID_SHARE = 0.01  # of the statements of the last four weeks, voided on the new day
TS = "%Y-%m-%dT%H:%M:%SZ"
# Feeds a company may run without: continued only when the folder has them.
OPTIONAL_FEEDS = [("servicedesk", "kb_use"), ("search", "queries")]


class AppendDayError(ValueError):
    """The landing folder cannot take this day (missing feed, or not after its newest file)."""


def append_day(out_dir: str | Path, day: date) -> dict:
    """Write <feed>_<day> files for the incremental feeds and the HRIS snapshot; return row counts."""
    out = LandingWriter(out_dir)
    end = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    optional = [(system, feed) for system, feed in OPTIONAL_FEEDS
                if any((out.out_dir / system / feed).glob(f"{feed}_*"))]
    for system, feed in [("servicedesk", "incidents"), ("crm", "opportunities"),
                         ("lms", "xapi_statements"), ("hris", "workers"), *optional]:
        _check_after_newest(out.out_dir / system / feed, feed, day)
    with duckdb.connect() as conn:
        conn.execute("set TimeZone = 'UTC'")
        tickets = _incidents(conn, out.out_dir, day, end)
        out.write_csv("servicedesk", "incidents", day, tickets)
        out.write_csv("crm", "opportunities", day, _opportunities(conn, out.out_dir, day, end))
        if ("servicedesk", "kb_use") in optional:
            out.write_csv("servicedesk", "kb_use", day, _kb_use(conn, out.out_dir, day, tickets))
        if ("search", "queries") in optional:
            out.write_csv("search", "queries", day, _queries(conn, out.out_dir, day, end))
    out.write_jsonl("lms", "xapi_statements", day, _statements(out.out_dir, day))
    out.write_csv("hris", "workers", day, _snapshot(out.out_dir, "hris", "workers"))
    validate_against_contracts(out.out_dir)
    return {"day": day.isoformat(), "files": out.files, "rows": out.rows}


# --------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------
def _incidents(conn, root: Path, day: date, end: datetime) -> list[dict]:
    latest = _latest(conn, root / "servicedesk" / "incidents" / "incidents_*.csv*", "sys_id", "sys_updated_on",
                     f"coalesce(resolved_at, '') = '' or opened_at >= '{_lookback_start(day)}'")
    columns = csv_columns("servicedesk", "incidents")
    rows: list[dict] = []
    for row in latest:
        if row["resolved_at"] or not _picked(row["sys_id"], day, RESOLVE_SHARE):
            continue
        opened = _ts(row["opened_at"])
        resolved = max(_at(day, row["sys_id"]), opened + timedelta(minutes=5))
        first = _ts(row["first_response_at"]) if row["first_response_at"] else opened + (resolved - opened) / 4
        rows.append({**row, "first_response_at": _fmt(first), "resolved_at": _fmt(resolved),
                     "sys_updated_on": _fmt(resolved), "state": "Resolved",
                     "u_csat_score": str(1 + _draw(row["sys_id"], day, "csat") % 5)})
    for row in _recent(latest, "sys_id", "opened_at", day):
        shift = day - _ts(row["opened_at"]).date()
        new = {**row, "sys_id": _hex(row["sys_id"], day), "number": f"INC{_draw(row['sys_id'], day, 'n') % 10**9:09d}"}
        times = {c: _shifted(row[c], shift, end) for c in ("opened_at", "first_response_at", "resolved_at", "closed_at")}
        state = ("Closed" if times["closed_at"] else "Resolved" if times["resolved_at"]
                 else "In Progress" if times["first_response_at"] else "New")
        new.update(times, state=state, sys_updated_on=max(t for t in times.values() if t),
                   u_csat_score=row["u_csat_score"] if times["resolved_at"] else "")
        rows.append(new)
    return [{c: r[c] for c in columns} for r in rows]


def _opportunities(conn, root: Path, day: date, end: datetime) -> list[dict]:
    latest = _latest(conn, root / "crm" / "opportunities" / "opportunities_*.csv*", "Id", "LastModifiedDate",
                     f"IsClosed <> 'true' or CreatedDate >= '{_lookback_start(day)}'")
    columns = csv_columns("crm", "opportunities")
    rows: list[dict] = []
    for row in latest:
        if row["IsClosed"] == "true" or row["IsDeleted"] == "true":
            continue
        if _picked(row["Id"], day, DELETE_SHARE, "delete"):
            rows.append({**row, "IsDeleted": "true", "LastModifiedDate": _fmt(_at(day, row["Id"]))})
            continue
        if not _picked(row["Id"], day, CLOSE_SHARE):
            continue
        won = _draw(row["Id"], day, "won") % 2 == 0
        rows.append({**row, "StageName": "Closed Won" if won else "Closed Lost", "IsClosed": "true",
                     "IsWon": "true" if won else "false", "Probability": "100" if won else "0",
                     "CloseDate": day.isoformat(), "LastModifiedDate": _fmt(_at(day, row["Id"]))})
    for row in _recent(latest, "Id", "CreatedDate", day):
        shift = day - _ts(row["CreatedDate"]).date()
        created = _shifted(row["CreatedDate"], shift, end)
        rows.append({**row, "Id": "006" + _hex(row["Id"], day)[:15], "StageName": "Prospecting",
                     "Probability": "10", "IsClosed": "false", "IsWon": "false", "IsDeleted": "false",
                     "CreatedDate": created, "LastModifiedDate": created,
                     "CloseDate": (date.fromisoformat(row["CloseDate"]) + shift).isoformat()})
    return [{c: r[c] for c in columns} for r in rows]


def _kb_use(conn, root: Path, day: date, tickets: list[dict]) -> list[dict]:
    """One in LOOKBACK_DAYS of the last four weeks' views, moved to the new day with new
    sys_ids; a used one stays used on its reader's latest ticket opened on the new day
    before it (else it is a plain view)."""
    latest = _latest(conn, root / "servicedesk" / "kb_use" / "kb_use_*.csv*", "sys_id", "sys_updated_on",
                     f"viewed_on >= '{_lookback_start(day)}'")
    opened: dict[str, list[tuple[datetime, str]]] = {}
    for t in tickets:
        if t["opened_at"][:10] == day.isoformat():
            opened.setdefault(t["assigned_to.email"].strip().lower(), []).append((_ts(t["opened_at"]), t["number"]))
    columns = csv_columns("servicedesk", "kb_use")
    rows = []
    for row in _recent(latest, "sys_id", "viewed_on", day):
        viewed = _ts(row["viewed_on"]) + (day - _ts(row["viewed_on"]).date())
        before = [number for at, number in sorted(opened.get(row["user.email"].strip().lower(), [])) if at < viewed]
        used = row["used"] == "true" and bool(before)
        rows.append({**row, "sys_id": _hex(row["sys_id"], day), "viewed_on": _fmt(viewed), "sys_updated_on": _fmt(viewed),
                     "used": "true" if used else "false", "incident": before[-1] if used else ""})
    return [{c: r[c] for c in columns} for r in rows]


def _queries(conn, root: Path, day: date, end: datetime) -> list[dict]:
    """One in LOOKBACK_DAYS of the last four weeks' searches, moved to the new day with new query_ids."""
    latest = _latest(conn, root / "search" / "queries" / "queries_*.csv*", "query_id", "searched_at",
                     f"searched_at >= '{_lookback_start(day)}'")
    columns = csv_columns("search", "queries")
    rows = []
    for row in _recent(latest, "query_id", "searched_at", day):
        shift = day - _ts(row["searched_at"]).date()
        clicked = _shifted(row["clicked_at"], shift, end) if row.get("clicked_at") else ""
        # a click the tool logged without its time stays a click
        rows.append({**row, "query_id": _uuid(row["query_id"], day), "searched_at": _shifted(row["searched_at"], shift, end),
                     "clicked_at": clicked,
                     "clicked_result": row["clicked_result"] if clicked or not row.get("clicked_at") else ""})
    return [{c: r[c] for c in columns} for r in rows]


def _statements(root: Path, day: date) -> list[str]:
    """The last file's statements stored in the last four weeks: one in LOOKBACK_DAYS of
    them moved to the new day with new ids (the same learners and registrations), and
    a few voided by the LMS admin on the new day."""
    folder = root / "lms" / "xapi_statements"
    # A file holds statements stored up to its date: those of the last four weeks are in
    # the files dated since.
    files = sorted(p for p in folder.glob("xapi_statements_*.jsonl*") if p.name[16:26] >= _lookback_start(day))
    lines = []
    for line in _lines(files):
        try:
            statement = json.loads(line)
            stored = _ts(statement["stored"])
            moved = _ts(statement["timestamp"])
            voiding = statement["verb"]["id"].endswith("/voided")
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # the generator's deliberately malformed lines stay where they were
        if (day - stored.date()).days > LOOKBACK_DAYS or voiding:
            continue
        if _picked(statement["id"], day, VOID_SHARE, "void"):
            lines.append(json.dumps(_voiding(statement, day), separators=(",", ":")))
        if not _picked(statement["id"], day, 1 / LOOKBACK_DAYS):
            continue
        shift = day - stored.date()
        statement["stored"] = _fmt(stored + shift)
        statement["timestamp"] = _fmt(moved + shift)
        statement["id"] = _uuid(statement["id"], day)
        lines.append(json.dumps(statement, separators=(",", ":")))
    return lines


def _lines(files: list[Path]):
    for path in files:
        with (gzip.open if path.name.endswith(".gz") else open)(path, "rt", encoding="utf-8") as handle:
            yield from handle


def _voiding(target: dict, day: date) -> dict:
    when = _fmt(_at(day, target["id"]))
    return {
        "id": _uuid(target["id"] + "|void", day),
        "actor": {"objectType": "Agent", "name": "LMS Admin", "mbox": "mailto:lms.admin@acme.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target["id"]},
        "timestamp": when,
        "stored": when,
        "authority": target.get("authority"),
        "version": target.get("version", "1.0.3"),
    }


def _snapshot(root: Path, system: str, feed: str) -> list[dict]:
    """The newest snapshot again, dated the new day: nobody joined or left overnight."""
    folder = root / system / feed
    newest = max(folder.glob(f"{feed}_*.csv*"), key=lambda p: p.name)
    with duckdb.connect() as conn:
        return _dicts(conn.execute(f"select * from read_csv('{newest}', all_varchar = true, header = true)"))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def _check_after_newest(folder: Path, feed: str, day: date) -> None:
    dates = sorted(p.name[len(feed) + 1:len(feed) + 11] for p in folder.glob(f"{feed}_*"))
    if not dates:
        raise AppendDayError(f"{folder}: no {feed} files to continue; generate the landing folder first")
    if day.isoformat() <= dates[-1]:
        raise AppendDayError(f"{folder}: --append-day {day} is not after the newest file ({dates[-1]})")


def _latest(conn, pattern: Path, key: str, version: str, keep: str) -> list[dict]:
    """Each key's newest version across every file (read as text, nothing reformatted),
    where `keep` holds: open work, or work begun in the last four weeks."""
    rows = conn.execute(
        f"""select * exclude (_rank) from (
                select *, row_number() over (partition by "{key}" order by "{version}" desc, filename desc) as _rank
                from read_csv('{pattern}', all_varchar = true, header = true, union_by_name = true,
                              filename = true, ignore_errors = true)
                where "{key}" is not null and "{version}" is not null)
            where _rank = 1 and ({keep}) order by "{key}" """
    )
    return _dicts(rows)


def _dicts(result) -> list[dict]:
    names = [d[0] for d in result.description]
    return [{n: ("" if v is None else v) for n, v in zip(names, row)} for row in result.fetchall()]


def _lookback_start(day: date) -> str:
    """The first day of the four weeks the new day is shaped like (ISO text: compares with
    the files' timestamps and names as text)."""
    return (day - timedelta(days=LOOKBACK_DAYS)).isoformat()


def _recent(latest: list[dict], key: str, started: str, day: date) -> list[dict]:
    """One in LOOKBACK_DAYS of the work begun in the last LOOKBACK_DAYS before the new day."""
    out = []
    for row in latest:
        try:
            begun = _ts(row[started]).date()
        except ValueError:
            continue
        if 0 < (day - begun).days <= LOOKBACK_DAYS and _picked(row[key], day, 1 / LOOKBACK_DAYS):
            out.append(row)
    return out


def _shifted(value: str, shift: timedelta, end: datetime) -> str:
    """A timestamp moved by shift; empty when the move puts it after the new day (still open)."""
    if not value:
        return ""
    moved = _ts(value) + shift
    return _fmt(moved) if moved <= end else ""


def _draw(key: str, day: date, salt: str = "") -> int:
    return int.from_bytes(hashlib.sha256(f"{key}|{day}|{salt}".encode()).digest()[:8], "big")


def _picked(key: str, day: date, share: float, salt: str = "") -> bool:
    """A draw of `share` of the keys, the same for the same key, day and salt."""
    return _draw(key, day, salt) % 1_000_000 < share * 1_000_000


def _at(day: date, key: str) -> datetime:
    """A time of the new day, drawn by key."""
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=_draw(key, day, "t") % 86_400)


def _hex(key: str, day: date) -> str:
    return hashlib.md5(f"{key}|{day}".encode()).hexdigest()


def _uuid(key: str, day: date) -> str:
    digest = _hex(key, day)
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _fmt(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TS)
