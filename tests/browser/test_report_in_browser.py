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


def test_learning_in_the_flow_of_work_shows_adoption_search_success_and_knowledge_gaps(pipeline, offline_page, tmp_path):
    """The section after the programs: each performance-support program's adoption chart
    (a point per published count, none for a hidden one) and its effect as its own section
    shows it, the search success trend, and the knowledge gaps, a row each."""
    from dagster_project.report import formats as f

    page = offline_page
    page.goto((pipeline.settings.data_dir / "report" / "index.html").resolve().as_uri())
    section = page.locator("section#flow-of-work")
    section.wait_for()
    assert section.is_visible()
    assert page.locator('nav.toc a[href="#flow-of-work"]').count() == 1
    section.screenshot(path=str(tmp_path / "flow-of-work.png"))

    aids = pipeline.published("select program_id from programs where delivery = 'performance_support' order by program_id")
    assert aids, "the sample configures performance-support programs (program_aids.csv)"
    for (program_id,) in aids:
        block = section.locator(f'.aid[data-program="{program_id}"]')
        assert block.is_visible(), program_id
        viewers, adopters = pipeline.published(
            f"select count(viewers_to_date), count(adopters_to_date) from aid_adoption where program_id = '{program_id}'"
        )[0]
        chart = block.locator("svg.chart.adoption")
        assert chart.count() == 1 and viewers > 0, program_id
        assert chart.locator("circle.point.viewers").count() == viewers
        assert chart.locator("circle.point.adopters").count() == adopters
        hidden = pipeline.published(
            f"select count(*) from aid_adoption where program_id = '{program_id}' "
            "and (viewers_to_date is null or adopters_to_date is null)"
        )[0][0]
        assert chart.locator("rect.hidden-period").count() == hidden
        # Its effect, as program_impact has it and the program's own section shows it, with a link there.
        own = page.locator(f'section.program[data-program="{program_id}"]')
        for kpi_unit, effect, suppressed in pipeline.published(
            f"select kpi_unit, effect, suppressed from program_impact where program_id = '{program_id}'"
        ):
            if not suppressed:
                change = f.kpi_change(effect, kpi_unit)
                assert change in block.inner_text() and change in own.inner_text(), (program_id, change)
        assert block.locator(f'a[href="#{program_id}"]').count() >= 1 and own.count() == 1
        assert own.locator(f'a[href="#flow-{program_id}"]').count() == 1

    weeks, success, zero = pipeline.published(
        "select count(*), count(search_success_rate) filter (where not suppressed), "
        "count(zero_result_rate) filter (where not suppressed) from search_trends"
    )[0]
    assert weeks > 0 and success > 0
    trend = section.locator("svg.chart.search-trend")
    assert trend.count() == 1
    assert trend.locator("circle.point.success").count() == success
    assert trend.locator("circle.point.zero-result").count() == zero
    assert "of searches found a result people clicked" in section.locator("p.reading").inner_text()

    gaps = pipeline.published("select theme, people from knowledge_gaps order by gap_rank")
    assert gaps, "the sample's search log has themes searched for in vain"
    rows = section.locator("table.gaps tbody tr")
    assert rows.count() == len(gaps)
    first = rows.first.inner_text()
    assert gaps[0][0] in first and f"{gaps[0][1]:,}" in first
    assert "never published" in section.inner_text()
    assert page.blocked == [] and page.errors == [], (page.blocked, page.errors)
