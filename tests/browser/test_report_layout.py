"""The report's layout as a reader sees it in Chromium: the overview fits a wide window
and stacks on a narrow one, every chart is titled and none of its labels overlap, no
sentence shows "–" for a missing figure, and the PDF opens with the overview."""

from __future__ import annotations

import re

import pytest

from dagster_project.report.labels import kpi_label

WIDTHS = (1280, 800)
# A4 landscape less the 12 mm margins of the print style sheet, in CSS pixels (96 per inch).
A4_LANDSCAPE_CONTENT = (round((297 - 24) / 25.4 * 96), round((210 - 24) / 25.4 * 96))

# "–" on its own, between spaces or punctuation: a placeholder for a missing figure in a
# sentence ("from – to –"). An en dash inside a range ("1–5") is not one.
PLACEHOLDER = re.compile(r"(?:^|(?<=[\s(\[{,;:]))–(?=$|[\s)\]},.;:!?])")



@pytest.fixture
def report_url(pipeline) -> str:
    return (pipeline.settings.data_dir / "report" / "index.html").resolve().as_uri()


@pytest.fixture
def open_report(browser, report_url):
    """Opens the report in a fresh page of the given viewport (and media), closed after the test."""
    contexts = []

    def open_(width: int, height: int = 900, media: str = "screen"):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.emulate_media(media=media)
        page.goto(report_url)
        page.wait_for_selector("table.overview")
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_overview_fits_the_window_without_sideways_scrolling(open_report, width, tmp_path):
    page = open_report(width)
    page.screenshot(path=str(tmp_path / f"report-{width}.png"))
    page.locator("#overview").screenshot(path=str(tmp_path / f"overview-{width}.png"))
    sizes = page.evaluate(
        """() => {
            const table = document.querySelector('table.overview');
            const box = table.parentElement;  // the .scroll wrapper: nothing of the table hidden in it
            return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                    tableLeft: table.getBoundingClientRect().left, tableRight: table.getBoundingClientRect().right,
                    boxScrollWidth: box.scrollWidth, boxClientWidth: box.clientWidth};
        }"""
    )
    assert sizes["scrollWidth"] <= sizes["innerWidth"], sizes
    assert sizes["tableLeft"] >= 0 and sizes["tableRight"] <= sizes["innerWidth"], sizes
    assert sizes["boxScrollWidth"] <= sizes["boxClientWidth"], f"the overview is clipped in its box: {sizes}"


def test_the_overview_is_one_row_per_program_wide_and_one_labelled_card_per_program_narrow(open_report):
    rows_js = """() => [...document.querySelectorAll('table.overview tbody tr')].map(tr => ({
        display: getComputedStyle(tr).display,
        tops: [...tr.cells].map(td => Math.round(td.getBoundingClientRect().top)),
        lefts: [...tr.cells].map(td => Math.round(td.getBoundingClientRect().left)),
        labels: [...tr.cells].map(td => getComputedStyle(td, '::before').content),
        headers: [...document.querySelectorAll('table.overview thead th')].map(th => th.textContent),
    }))"""
    wide = open_report(1280).evaluate(rows_js)
    assert wide and all(row["display"] == "table-row" and len(set(row["tops"])) == 1 for row in wide), wide[0]

    narrow = open_report(800).evaluate(rows_js)
    assert len(narrow) == len(wide)
    for row in narrow:
        assert row["display"] == "block", row
        assert row["tops"] == sorted(row["tops"]) and len(set(row["tops"])) == len(row["tops"]), "cells stacked"
        assert len(set(row["lefts"])) == 1, row["lefts"]
        assert row["labels"] == [f'"{header}"' for header in row["headers"]], "each cell labelled with its header"


def test_every_chart_has_a_title_naming_its_kpi(pipeline, open_report):
    page = open_report(1280)
    charts = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const shown = [...svg.querySelectorAll('text.chart-title')];
            const box = svg.getBoundingClientRect();
            return {
                kind: svg.getAttribute('class'),
                program: svg.closest('section.program')?.dataset.program,
                section: svg.closest('section')?.id ?? '',
                aid: svg.closest('.aid')?.dataset.program,
                title: svg.querySelector(':scope > title')?.textContent ?? '',
                shown: shown.map(t => t.textContent).join(' '),
                visible: shown.length > 0 && shown.every(t => {
                    const r = t.getBoundingClientRect();
                    return r.width > 0 && r.height > 0 && r.left >= box.left - 1 && r.right <= box.right + 1
                        && getComputedStyle(t).visibility === 'visible';
                }),
            };
        })"""
    )
    kinds = {kind for chart in charts for kind in chart["kind"].split()}
    assert {"forest", "event-study", "waterfall", "adoption", "search-trend"} <= kinds, kinds
    kpis: dict[str, set[str]] = {}
    for program_id, kpi, name in pipeline.published(
        "select i.program_id, i.kpi, k.kpi_label from program_impact i left join kpis k on k.kpi = i.kpi"
    ):
        kpis.setdefault(program_id, set()).add(name or kpi_label(kpi))
    currencies = {program_id: currency for program_id, currency in pipeline.published("select program_id, currency from program_roi")}
    names = dict(pipeline.published("select program_id, program_name from programs"))
    for chart in charts:
        assert chart["title"].strip(), chart
        assert chart["visible"] and chart["shown"].strip() == chart["title"].strip(), chart
        if chart["section"] == "flow-of-work":  # learning in the flow of work: a program's adoption, or search
            if "adoption" in chart["kind"]:
                assert names[chart["aid"]] in chart["title"], chart
            else:
                assert "search-trend" in chart["kind"] and "Search success" in chart["title"], chart
        elif "waterfall" in chart["kind"]:
            assert currencies[chart["program"]] in chart["title"], chart
        else:
            assert any(name in chart["title"] for name in kpis[chart["program"]]), chart
    for chart in charts:
        if "event-study" in chart["kind"] or "cohorts" in chart["kind"]:
            assert re.search(r"\([^)]+\)", chart["title"]), f"the KPI's unit: {chart}"


@pytest.mark.parametrize("width", WIDTHS)
def test_learning_in_the_flow_of_work_fits_the_window(open_report, width, tmp_path):
    """Its charts within the page, its knowledge gaps' table whole in its box (one row per
    theme wide, one labelled card per theme narrow), nothing scrolling sideways."""
    page = open_report(width)
    page.locator("#flow-of-work").screenshot(path=str(tmp_path / f"flow-of-work-{width}.png"))
    sizes = page.evaluate(
        """() => {
            const section = document.querySelector('#flow-of-work');
            const table = section.querySelector('table.gaps');
            const box = table.parentElement;
            return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                    right: Math.max(...[...section.querySelectorAll('svg.chart, table.gaps, p')]
                                    .map(e => e.getBoundingClientRect().right)),
                    boxScrollWidth: box.scrollWidth, boxClientWidth: box.clientWidth,
                    rows: [...table.tBodies[0].rows].map(tr => ({
                        display: getComputedStyle(tr).display,
                        tops: [...tr.cells].map(td => Math.round(td.getBoundingClientRect().top)),
                        labels: [...tr.cells].map(td => getComputedStyle(td, '::before').content),
                    })),
                    headers: [...table.tHead.rows[0].cells].map(th => th.textContent)};
        }"""
    )
    assert sizes["scrollWidth"] <= sizes["innerWidth"] and sizes["right"] <= sizes["innerWidth"], sizes
    assert sizes["boxScrollWidth"] <= sizes["boxClientWidth"], f"the knowledge gaps are clipped in their box: {sizes}"
    assert sizes["rows"], "the knowledge gaps have rows"
    for row in sizes["rows"]:
        if width > 800:
            assert row["display"] == "table-row" and len(set(row["tops"])) == 1, row
        else:
            assert row["display"] == "block" and row["tops"] == sorted(row["tops"]), row
            assert row["labels"] == [f'"{header}"' for header in sizes["headers"]], row


OVERLAPS = """(tolerance) => {
    const found = [];
    document.querySelectorAll('svg.chart').forEach(svg => {
        const where = (svg.closest('section.program, .aid')?.dataset.program ?? svg.closest('section')?.id ?? '') + ' '
            + svg.getAttribute('class');
        const box = svg.getBoundingClientRect();
        const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
            .map(t => ({text: t.textContent, r: t.getBoundingClientRect()}));
        texts.forEach((a, i) => {
            if (a.r.left < box.left - tolerance || a.r.right > box.right + tolerance
                || a.r.top < box.top - tolerance || a.r.bottom > box.bottom + tolerance) {
                found.push([where, a.text, 'outside the chart']);
            }
            texts.slice(i + 1).forEach(b => {
                const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
                const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
                if (x > tolerance && y > tolerance) found.push([where, a.text, b.text]);
            });
        });
    });
    return found;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_two_labels_of_a_chart_overlap(open_report, width):
    page = open_report(width)
    assert page.locator("svg.chart").count() > 0
    assert page.evaluate(OVERLAPS, 1) == []


def test_no_sentence_shows_a_dash_for_a_missing_figure(open_report):
    page = open_report(1280)
    sentences = page.evaluate(
        """() => [...document.querySelectorAll('p, li')].filter(e => !e.closest('td, th'))
                 .map(e => [e.closest('section')?.id ?? '', e.innerText])"""
    )
    assert len(sentences) > 20
    assert PLACEHOLDER.search("from – to –") and PLACEHOLDER.search("(–)") and not PLACEHOLDER.search("a 1–5 scale")
    placeholders = [(section, text) for section, text in sentences if PLACEHOLDER.search(text)]
    assert placeholders == [], "\n".join(f"{section}: {text}" for section, text in placeholders)


def test_the_pdf_opens_with_the_overview_and_keeps_headings_with_their_content(pipeline, open_report, tmp_path):
    """Laid out for print at the width of an A4 landscape page's content: the overview's
    heading and its table's first row lie within the first page's height, the table may
    break across pages (it does not jump whole to page 2), headings stay with what follows."""
    width, height = A4_LANDSCAPE_CONTENT
    page = open_report(width, height, media="print")
    layout = page.evaluate(
        """() => {
            const top = e => e.getBoundingClientRect().top + window.scrollY;
            const table = document.querySelector('table.overview');
            const style = e => getComputedStyle(e);
            return {
                heading: top(document.querySelector('#overview h2')),
                headingBottom: document.querySelector('#overview h2').getBoundingClientRect().bottom + window.scrollY,
                firstRow: table.tBodies[0].rows[0].getBoundingClientRect().bottom + window.scrollY,
                tableBreak: style(table).breakInside,
                wrapperBreak: style(table.parentElement).breakInside,
                sectionBreak: style(document.querySelector('section.program')).breakBefore,
                headings: [...document.querySelectorAll('h2, h3, h4')].map(h => style(h).breakAfter),
            };
        }"""
    )
    assert layout["headingBottom"] < height and layout["firstRow"] < height, (layout, height)
    assert layout["tableBreak"] != "avoid" and layout["wrapperBreak"] != "avoid", layout
    assert layout["sectionBreak"] == "page", layout
    assert set(layout["headings"]) == {"avoid"}, layout["headings"]

    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    programs = pipeline.published("select count(*) from program_scorecard")[0][0]
    assert pages > programs, pages
