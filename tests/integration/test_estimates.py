"""Estimates that survive a sceptic, on a second generated world: managers nominate
people for the sales program after a 12-week bad spell (a dip reaching 6 weeks into the
pre window), and the support function hires at a high-turnover rate, which gives the
onboarding programs enough new starters to measure."""

import pytest

from dagster_project.settings import Settings
from sources.generator import PLANTED_PERSON, Dip, generate
from tests.helpers import PipelineRun, make_settings, run_pipeline


@pytest.fixture(scope="module")
def second_world(session_root, dagster_instance) -> PipelineRun:
    landing = session_root / "second-world-landing"
    generate(landing, scale="small", seed=7, high_turnover_support=True, dip=Dip(weeks_before=(12, 0), size={
        "ticket_resolution_hours": 4.0, "sales_cycle_days": 6.0,
    }))
    # The onboarding intervals below are checked at the default number of bootstrap resamples.
    settings = make_settings(session_root / "second-world-data", landing, bootstrap_samples=Settings.bootstrap_samples)
    return PipelineRun(settings, run_pipeline(settings, dagster_instance), dagster_instance)


def row(run: PipelineRun, program_id: str, kpi: str) -> dict:
    return run.frame(
        f"select * from marts.program_impact where program_id = '{program_id}' and kpi = '{kpi}'"
    ).iloc[0].to_dict()


def test_a_dip_reaching_into_the_pre_window_fails_the_pretrend_test(second_world):
    sales = row(second_world, "PRG-SAL", "sales_cycle_days")
    assert not sales["suppressed"], sales
    assert sales["pretrend_ok"] == False, sales  # noqa: E712 (a numpy bool)
    assert sales["pretrend_p_value"] < 0.05, sales


def test_a_kpi_whose_groups_diverged_before_training_earns_no_roi_and_says_why(second_world):
    roi = {r[0]: r[1:] for r in second_world.query("select program_id, benefit, roi_pct, roi_status from marts.program_roi")}
    assert roi["PRG-SAL"] == (None, None, "not_credible"), roi
    verdicts = {r[0]: r[1:] for r in second_world.query("select program_id, verdict_code, verdict_text from marts.program_scorecard")}
    assert verdicts["PRG-SAL"][0] == "not_credible", verdicts
    assert "the trained and comparison groups diverged before training" in verdicts["PRG-SAL"][1], verdicts
    # Published anyway: a failed pre-trend test is a finding, not a broken run.
    assert second_world.result.success


@pytest.mark.parametrize("kpi", ["ramp_days", "early_attrition"])
def test_the_onboarding_programs_planted_effects_lie_in_their_intervals(second_world, kpi):
    truth = PLANTED_PERSON[("PRG-ONB", kpi)]
    onboarding = row(second_world, "PRG-ONB", kpi)
    assert not onboarding["suppressed"] and onboarding["kpi_grain"] == "person", onboarding
    assert onboarding["effect_ci_low"] <= truth <= onboarding["effect_ci_high"], onboarding
    assert onboarding["effect"] < 0, onboarding
    assert onboarding["n_treated"] >= 20 and onboarding["n_comparison"] >= 20, onboarding


def test_the_null_retention_program_has_an_interval_including_zero_and_earns_nothing(second_world):
    retention = row(second_world, "PRG-RET", "early_attrition")
    assert not retention["suppressed"], retention
    assert retention["effect_ci_low"] <= 0 <= retention["effect_ci_high"], retention
    # Those who also took the onboarding program are credited to it (they started it first).
    assert retention["n_treated_overlap"] > 0, retention
    assert retention["verdict_code"] in ("no_effect", "inconclusive"), retention
    benefit, status = second_world.query("select benefit, roi_status from marts.program_roi where program_id = 'PRG-RET'")[0]
    assert benefit is None and status == retention["verdict_code"], (benefit, status)


def test_another_world_publishes_no_small_group_figure_and_no_unearned_verdict(second_world):
    """The rules of what people read hold on a world with a failed pre-trend test, high
    turnover and programs too small to measure, not only on the sample."""
    from tests.integration.test_one_truth import (
        assert_no_small_group_figure,
        assert_verdicts_rest_on_measured_credible_effects,
    )

    assert_no_small_group_figure(second_world)
    assert_verdicts_rest_on_measured_credible_effects(second_world)
