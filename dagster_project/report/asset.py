"""The report as a Dagster asset: the published run's report (written by its publish, before the switch)."""

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, MetadataValue, asset

from ..publish.switch import REPORT_PAGE, Layout
from ..resources import ImpactSettings
from . import NothingPublished, current_report

REPORT_KEY = AssetKey(["serving", "impact_report"])


def build_report_asset(publish_key: AssetKey, group_name: str, owner: str):
    @asset(
        key=REPORT_KEY,
        group_name=group_name,
        deps=[publish_key],
        owners=[owner],
        kinds={"html"},
        op_tags={"dagster/priority": "-1"},
        description="The report for L&D teams, KPI owners and sponsors: `$IMPACT_DATA_DIR/report/index.html`, one "
        "self-contained page (inline SVG charts, no network, prints to PDF) written from the published serving file "
        "alone: an overview per program, then per program its effects with intervals, the event study, the ROI "
        "waterfall, return on expectation, reaction and scrubbed comments, cohorts and the method's caveats; then learning "
        "in the flow of work: performance-support programs' adoption, search success by week and the top knowledge gaps. "
        "The publish writes it into the run's folder before the switch; `make report` writes it again.",
    )
    def impact_report(context: AssetExecutionContext, impact: ImpactSettings) -> MaterializeResult:
        settings = impact.settings()
        try:
            written = current_report(settings.data_dir, settings.publish_group)
        except NothingPublished as error:
            raise Failure(description=str(error)) from None
        stable = Layout(settings.data_dir).report / REPORT_PAGE
        # The run summary ends with the report's path; the UI shows this line.
        context.log.debug(f"report of run {written.run_folder.name}: {stable}")
        return MaterializeResult(
            metadata={
                "report": MetadataValue.path(str(stable)),
                "report_url": MetadataValue.url(stable.as_uri()),
                "report_of_run": MetadataValue.text(written.run_folder.name),
                "written_in": MetadataValue.path(str(written.html)),
                "programs": MetadataValue.int(len(written.data.programs)),
                "summary": MetadataValue.md(written.markdown),
            }
        )

    return impact_report
