"""The HTML report as a reader gets it: opened from file:// in Chromium with the network
blocked, printed to PDF."""

import re


def test_report_opens_offline_with_every_program_its_verdict_and_its_charts(pipeline, offline_page, tmp_path):
    report = pipeline.settings.data_dir / "report" / "index.html"
    assert report.is_symlink() is False and report.parent.is_symlink(), "report/ is a stable link through current"
    page = offline_page
    page.goto(report.resolve().as_uri())
    page.wait_for_selector("section.program")
    page.screenshot(path=str(tmp_path / "report-top.png"))
    page.screenshot(path=str(tmp_path / "report-full.png"), full_page=True)

    text = page.inner_text("body")
    programs = pipeline.published("select program_id, program_name, verdict_code, verdict_text from program_scorecard")
    overview = page.locator("table.overview tbody tr")
    assert overview.count() == len(programs)
    for program_id, name, verdict, words in programs:
        assert name in text and words in text
        section = page.locator(f'section.program[data-program="{program_id}"]')
        assert section.get_attribute("data-program") == program_id
        assert section.locator(".verdict").get_attribute("data-verdict") == verdict
        assert section.locator("svg.chart.forest").count() == 1
        assert section.locator("svg.chart.waterfall rect.bar").count() >= 2  # costs at least
        assert section.locator("svg.chart .point, svg.chart .bar").count() > 0
        section.screenshot(path=str(tmp_path / f"section-{program_id}.png"))

    # Every program with an unsuppressed weekly KPI shows its event study, with data points.
    for program_id, kpi in pipeline.published("select distinct program_id, kpi from program_event_study where not suppressed"):
        section = page.locator(f'section.program[data-program="{program_id}"]')
        charts = section.locator("svg.chart.event-study")
        assert charts.count() >= 1, (program_id, kpi)
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.locator("circle.point").count() > 5, (program_id, kpi)
            assert chart.locator('rect.period[data-period="anticipation"]').count() == 1
            assert chart.locator('rect.period[data-period="pre window"]').count() == 1

    # Suppressed cells say why, and a program without a measured effect shows no ROI figure.
    min_group = pipeline.settings.min_group_size
    for (program_id,) in pipeline.published("select distinct program_id from program_impact where suppressed"):
        row = page.locator(f'table.overview tr[data-program="{program_id}"]').inner_text()
        assert f"fewer than {min_group}" in row
    for program_id, status in pipeline.published("select program_id, roi_status from program_roi where roi_status <> 'measured'"):
        row = page.locator(f'table.overview tr[data-program="{program_id}"]')
        assert row.locator(f'[data-roi-status="{status}"]').count() == 1
        assert "%" not in row.locator("td").nth(6).inner_text(), row.inner_text()

    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), "no email address in the report"
    assert page.blocked == [], f"the report asked the network for {page.blocked}"
    assert page.errors == [], page.errors

    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages > len(programs), pages  # the overview, then a page (or more) per program


def test_data_docs_list_validation_results_offline(pipeline, offline_page, tmp_path):
    index = pipeline.settings.data_docs_dir / "index.html"
    page = offline_page
    page.goto(index.as_uri())
    rows = page.locator("#validation-results tbody tr")
    assert rows.count() > 10
    # Run names are Dagster run ids: the session's run, or a later one of the same data dir.
    listed = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", page.inner_text("#validation-results")))
    assert listed and all(pipeline.instance.get_run_by_id(run_id) is not None for run_id in listed), listed
    page.screenshot(path=str(tmp_path / "data-docs.png"), full_page=True)
    rows.first.locator("a").first.click()
    page.wait_for_selector("#expectations")
    assert page.locator("#expectations tbody tr").count() > 0
    assert page.blocked == [] and page.errors == [], (page.blocked, page.errors)
