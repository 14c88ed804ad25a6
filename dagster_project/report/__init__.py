"""The report for L&D teams, KPI owners and sponsors: one self-contained HTML page per
published run, written from that run's serving file alone.

    $IMPACT_DATA_DIR/published/<run_id>/report/index.html     the page (charts inline, no network)
    $IMPACT_DATA_DIR/published/<run_id>/report/impact_report.md  its short Markdown twin
    $IMPACT_DATA_DIR/report -> published/current/report        the stable path

The publish writes it into the run's folder before the switch; `make report`
(`python -m dagster_project.report`) writes it again for the published run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..publish.sharing import share_tree
from ..publish.switch import REPORT, REPORT_PAGE, SERVING, Layout, link_stable_paths
from .data import ReportData, load
from .render import render_html, render_markdown

MARKDOWN = "impact_report.md"

__all__ = ["WrittenReport", "ReportData", "load", "render_html", "render_markdown",
           "write_report", "write_current_report", "current_report"]


@dataclass
class WrittenReport:
    run_folder: Path
    html: Path
    markdown_path: Path
    markdown: str
    data: ReportData


def _replace(target: Path, text: str) -> None:
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staged.write_text(text, encoding="utf-8")
    staged.replace(target)


def write_report(run_folder: Path, stable_html: Path | None = None, group: str = "") -> WrittenReport:
    """Writes run_folder/report/index.html and impact_report.md from run_folder/serving.duckdb
    (each replaced in one rename: a reader sees the old page or the new one), readable by
    `group` when one is set (IMPACT_PUBLISH_GROUP)."""
    data = load(run_folder / SERVING)
    folder = run_folder / REPORT
    folder.mkdir(mode=0o700, exist_ok=True)
    html = folder / REPORT_PAGE
    _replace(html, render_html(data))
    markdown = render_markdown(data, str(stable_html or html))
    _replace(folder / MARKDOWN, markdown)
    if group:
        share_tree(folder, group)
    return WrittenReport(run_folder, html, folder / MARKDOWN, markdown, data)


class NothingPublished(Exception):
    pass


def current_report(data_dir: Path, group: str = "") -> WrittenReport:
    """The report of the run BI tools read now, as its publish wrote it (written here
    only if that run has none)."""
    layout = Layout(data_dir)
    run_id = layout.current_run_id()
    if run_id is None:
        raise NothingPublished(f"nothing is published in {data_dir}: run the pipeline first (`make run`)")
    folder = layout.folder(run_id) / REPORT
    if not (folder / REPORT_PAGE).exists() or not (folder / MARKDOWN).exists():
        return write_current_report(data_dir, group)
    markdown = (folder / MARKDOWN).read_text(encoding="utf-8")
    data = load(layout.folder(run_id) / SERVING)
    return WrittenReport(layout.folder(run_id), folder / REPORT_PAGE, folder / MARKDOWN, markdown, data)


def write_current_report(data_dir: Path, group: str = "") -> WrittenReport:
    """The report of the run BI tools read now (published/current), resolved once."""
    layout = Layout(data_dir)
    run_id = layout.current_run_id()
    if run_id is None:
        raise NothingPublished(f"nothing is published in {data_dir}: run the pipeline first (`make run`)")
    written = write_report(layout.folder(run_id), layout.report / REPORT_PAGE, group)
    if not layout.report.is_symlink():
        link_stable_paths(layout)  # a run published before reports: report/ now leads to it
    return written
