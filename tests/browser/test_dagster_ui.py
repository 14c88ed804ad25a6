"""The Dagster UI as a data engineer opens it: one webserver on the session pipeline's
instance, the asset graph and a mart's page."""

import re

import duckdb
import pytest

GROUPS = ["1_raw", "2_reference", "3_staging", "4_intermediate", "5_marts", "6_publish"]


@pytest.fixture
def ui_page(browser, dagster_ui):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    # Nothing but the local webserver: the UI must work without the internet.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:\d+/|data:|blob:).*"), lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


def _open(page, url: str, wait_for: str) -> str:
    page.goto(url)
    page.get_by_text(wait_for, exact=False).first.wait_for(timeout=90_000)
    skip = page.get_by_role("button", name="Skip")  # the first-visit newsletter dialog
    if skip.count():
        skip.first.click()
    return page.inner_text("body")


def test_asset_graph_lists_the_groups_in_flow_order(ui_page, dagster_ui, tmp_path):
    text = _open(ui_page, f"{dagster_ui}/asset-groups", "6_publish")
    ui_page.screenshot(path=str(tmp_path / "asset-graph.png"))
    positions = [text.find(group) for group in GROUPS]
    assert all(p >= 0 for p in positions), text[:2000]
    assert positions == sorted(positions), "the sidebar lists the groups in the order data flows"


def test_a_mart_page_shows_its_row_count_and_described_columns(ui_page, dagster_ui, pipeline, tmp_path):
    conn = duckdb.connect(str(pipeline.settings.serving_path), read_only=True)
    try:
        rows = conn.execute("select count(*) from program_impact").fetchall()[0][0]
    finally:
        conn.close()
    text = _open(ui_page, f"{dagster_ui}/assets/marts/program_impact", "Columns")
    ui_page.get_by_text("Lower end of the effect's 95 % interval.").first.wait_for(timeout=60_000)
    text = ui_page.inner_text("body")
    ui_page.screenshot(path=str(tmp_path / "program-impact.png"), full_page=True)
    assert re.search(rf"Row count\s+{rows}\b", text), text[:3000]
    for description in (
        "The program's id in programs.csv.",
        "Lower end of the effect's 95 % interval.",
        "effect_p_value Holm-adjusted across every program's published KPI estimates",
    ):
        assert description in text
    assert "Raw SQL" not in text, "descriptions without the model's SQL"
    assert "DOUBLE" in text, "column types as the warehouse has them"
