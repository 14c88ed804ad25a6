"""Estimates that survive a sceptic: a dip before nomination that reaches into the
pre window is caught by the pre-trend test and earns no ROI."""

import pytest

from sources.generator import Dip, generate
from tests.helpers import make_settings
from tests.integration.conftest import PipelineRun, run_pipeline

DIPPED = [("PRG-SUP", "ticket_resolution_hours"), ("PRG-SAL", "sales_cycle_days")]


@pytest.fixture(scope="module")
def deep_dip(session_root, dagster_instance) -> PipelineRun:
    """Managers nominate after a bad spell of 12 weeks: with the default 6-week
    anticipation gap, the dip reaches 6 weeks into the pre window."""
    landing = session_root / "deep-dip-landing"
    generate(landing, scale="small", seed=7, dip=Dip(weeks_before=(12, 0), size={
        "ticket_resolution_hours": 4.0, "sales_cycle_days": 6.0,
    }))
    settings = make_settings(session_root / "deep-dip-data", landing)
    return PipelineRun(settings, run_pipeline(settings, dagster_instance), dagster_instance)


@pytest.mark.parametrize(("program_id", "kpi"), DIPPED)
def test_a_dip_reaching_into_the_pre_window_fails_the_pretrend_test(deep_dip, program_id, kpi):
    row = deep_dip.frame(
        f"select * from marts.program_impact where program_id = '{program_id}' and kpi = '{kpi}'"
    ).iloc[0].to_dict()
    assert not row["suppressed"], row
    assert row["pretrend_ok"] is False or row["pretrend_ok"] == False, row  # noqa: E712 (numpy bool)
    assert row["pretrend_p_value"] < 0.05, row


def test_a_kpi_whose_groups_diverged_before_training_earns_no_roi_and_says_why(deep_dip):
    benefits = dict(deep_dip.query("select program_id, benefit from marts.program_roi"))
    assert benefits["PRG-SUP"] == 0 and benefits["PRG-SAL"] == 0, benefits
    verdicts = dict(deep_dip.query("select program_id, verdict from marts.program_scorecard"))
    assert "groups diverged before training; effect not credible" in verdicts["PRG-SAL"], verdicts
    # Published anyway: a failed pre-trend test is a finding, not a broken run.
    assert deep_dip.result.success
