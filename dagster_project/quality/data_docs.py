"""Data Docs that work offline: every GX validation's results as a self-contained HTML
page, and an index of each suite's latest results, rendered here from GX's validation
results (GX's own site loads its scripts and styles from public CDNs, so offline its
index listed nothing).

    $IMPACT_DATA_DIR/data_docs/index.html                                  every suite, newest result first
    $IMPACT_DATA_DIR/data_docs/validations/<suite>/<time>__<run>.html      one validation, one page
    $IMPACT_DATA_DIR/data_docs/results.json                                what the index lists

No script, no external resource: the pages open from file:// with no network."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

INDEX = "index.html"
RESULTS = "results.json"
PAGES = "validations"
KEEP_PER_SUITE = 60
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d2733; margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .3rem 0 .6rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
th, td { border-bottom: 1px solid #d8dde3; padding: .35rem .45rem; text-align: left; vertical-align: top; }
th { background: #f5f7f9; }
.ok { color: #2e7d32; font-weight: 600; } .fail { color: #b3261e; font-weight: 600; } .muted { color: #5f6b7a; }
code, pre { font-size: .82rem; } pre { white-space: pre-wrap; margin: 0; }
a { color: #1f5fa8; }
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body><main>{body}</main></body></html>\n")


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staged.write_text(text, encoding="utf-8")
    staged.replace(path)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _status(success: bool) -> str:
    return '<span class="ok">passed</span>' if success else '<span class="fail">failed</span>'


def render_result_page(suite: dict[str, Any], run_name: str, validated_at: str, results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        kwargs = {k: v for k, v in (r.get("kwargs") or {}).items() if k not in ("batch_id",)}
        details = r.get("result") or {}
        shown = {k: details[k] for k in ("observed_value", "element_count", "unexpected_count", "unexpected_percent",
                                          "partial_unexpected_list") if details.get(k) not in (None, [], {})}
        rows.append(
            f"<tr><td>{_status(r.get('success', False))}</td><td><code>{escape(r.get('type', ''))}</code>"
            f"{'<div class=muted>' + escape(r['rule']) + '</div>' if r.get('rule') else ''}</td>"
            f"<td><pre>{escape(_json(kwargs))}</pre></td><td><pre>{escape(_json(shown))}</pre>"
            f"{'<div class=fail>' + escape(r['exception']) + '</div>' if r.get('exception') else ''}</td></tr>"
        )
    success = all(r.get("success") for r in results)
    body = (
        f'<p><a href="../../{INDEX}">← all suites</a></p>'
        f"<h1>{escape(suite['name'])}: {_status(success)}</h1>"
        f"<p>{escape(suite.get('description') or '')}</p>"
        f"<p class=muted>Table <code>{escape(suite.get('table', ''))}</code> · layer {escape(suite.get('layer', ''))} · severity "
        f"{escape(suite.get('severity', ''))} · Dagster run <code>{escape(run_name)}</code> · validated {escape(validated_at)} UTC</p>"
        f'<table id="expectations"><thead><tr><th>Result</th><th>Expectation</th><th>Arguments</th><th>Observed</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _page(f"{suite['name']} — validation {run_name}", body)


def render_index(entries: list[dict[str, Any]]) -> str:
    by_suite: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_suite.setdefault(e["suite"], []).append(e)
    rows = []
    order = {"raw": 0, "staging": 1, "intermediate": 2, "marts": 3}
    for name, runs in sorted(by_suite.items(), key=lambda kv: (order.get(kv[1][0].get("layer"), 9), kv[0])):
        runs.sort(key=lambda e: e["validated_at"], reverse=True)
        latest = runs[0]
        history = " ".join(
            f'<a href="{escape(e["page"])}" title="{escape(e["run_name"])}">{"✓" if e["success"] else "✗"}</a>' for e in runs[1:11]
        )
        rows.append(
            f'<tr class="result" data-suite="{escape(name)}"><td><a href="{escape(latest["page"])}">{escape(name)}</a></td>'
            f"<td>{escape(latest.get('layer', ''))}</td><td><code>{escape(latest.get('table', ''))}</code></td>"
            f"<td>{escape(latest.get('severity', ''))}</td><td>{_status(latest['success'])}</td>"
            f"<td>{latest.get('evaluated', 0)} / {latest.get('failed', 0)}</td>"
            f"<td><code>{escape(latest['run_name'])}</code></td><td>{escape(latest['validated_at'])}</td><td>{history}</td></tr>"
        )
    failed = sum(1 for runs in by_suite.values() if not runs[0]["success"])
    body = (
        "<h1>Data Docs: validation results</h1>"
        f"<p>{len(by_suite)} Great Expectations suites; the latest result of each, {failed} failed. Each page opens offline. "
        "Run names are the Dagster run ids.</p>"
        '<table id="validation-results"><thead><tr><th>Suite</th><th>Layer</th><th>Table</th><th>Severity</th><th>Latest</th>'
        "<th>Expectations evaluated / failed</th><th>Dagster run</th><th>Validated (UTC)</th><th>Earlier</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _page("Data Docs: validation results", body)


def load_entries(docs_dir: Path) -> list[dict[str, Any]]:
    try:
        return json.loads((docs_dir / RESULTS).read_text())
    except (OSError, ValueError):
        return []


def record(docs_dir: Path, suite: dict[str, Any], run_name: str | None, results: list[dict[str, Any]],
           keep: int = KEEP_PER_SUITE) -> Path:
    """Writes one validation's page, adds it to the index (each suite's newest `keep`
    kept, older pages removed), and rewrites index.html. Returns the page."""
    now = datetime.now(UTC)
    validated_at = now.strftime("%Y-%m-%d %H:%M:%S")
    run_name = run_name or now.strftime("%Y%m%dT%H%M%S")
    suite_dir = docs_dir / PAGES / _SAFE.sub("_", suite["name"])
    page = suite_dir / f"{now.strftime('%Y%m%dT%H%M%S%f')}__{_SAFE.sub('_', run_name)}.html"
    _replace(page, render_result_page(suite, run_name, validated_at, results))
    entry = {
        "suite": suite["name"], "layer": suite.get("layer"), "table": suite.get("table"), "severity": suite.get("severity"),
        "run_name": run_name, "validated_at": validated_at, "success": all(r.get("success") for r in results),
        "evaluated": len(results), "failed": sum(1 for r in results if not r.get("success")),
        "page": page.relative_to(docs_dir).as_posix(),
    }
    entries = [e for e in load_entries(docs_dir) if (docs_dir / e["page"]).exists()] + [entry]
    mine = sorted((e for e in entries if e["suite"] == suite["name"]), key=lambda e: e["validated_at"])
    for old in mine[:-keep]:
        (docs_dir / old["page"]).unlink(missing_ok=True)
        entries.remove(old)
    _replace(docs_dir / RESULTS, _json(entries))
    _replace(docs_dir / INDEX, render_index(entries))
    return page
