"""The row-level plausibility rules are declared once (dbt/macros/row_rules.sql): staging
flags, int_quality__row_flags, int_kpis__events and the GX suites all take them from
there, and nothing else defines a rule."""

import csv
import json
import re

from dagster_project.quality.suites import load_row_rules, load_suites, plausibility_rule
from dagster_project.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

MODELS = DBT_PROJECT_DIR / "models"


def _model_sql(name: str) -> str:
    return next(MODELS.rglob(f"{name}.sql")).read_text()


def test_every_rule_is_complete_and_named_once():
    rules = load_row_rules()
    assert rules, "no row rules declared"
    for rule in rules:
        assert {"flag", "model", "condition", "rule", "kpis"} <= rule.keys(), rule
        assert re.fullmatch(r"has_[a-z_]+", rule["flag"]), rule["flag"]
        assert rule["model"].startswith("stg_"), "a rule flags a staging model's rows"
        assert isinstance(rule["kpis"], list)
    flags = [r["flag"] for r in rules]
    assert len(flags) == len(set(flags))
    assert len({r["rule"] for r in rules}) == len(rules), "GX and the summary tell rules apart by their words"


def test_a_rule_left_out_of_a_kpi_names_a_catalogue_kpi_that_int_kpis_events_filters():
    with (DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv").open() as f:
        catalogue = {row["kpi"] for row in csv.DictReader(f)}
    events = _model_sql("int_kpis__events")
    filtered = set(re.findall(r"kept_by_row_rules\('([a-z_]+)'\)", events))
    for rule in load_row_rules():
        for kpi in rule["kpis"]:
            assert kpi in catalogue, f"{rule['flag']}: {kpi} is not in kpi_catalogue.csv"
            assert kpi in filtered, f"{rule['flag']}: int_kpis__events never filters {kpi}"


def test_staging_models_generate_their_flags_and_define_none_by_hand():
    rules = load_row_rules()
    for model in {r["model"] for r in rules}:
        assert f"row_rule_flags('{model}')" in _model_sql(model)
    for path in MODELS.rglob("*.sql"):
        for rule in rules:
            assert not re.search(rf"\bas\s+{rule['flag']}\b", path.read_text()), f"{path} defines {rule['flag']}"


def test_gx_checks_each_rule_once_on_its_models_blocking_suite_and_no_suite_file_declares_one():
    rules = load_row_rules()
    suites = {s.name: s for s in load_suites()}
    for rule in rules:
        suite = suites[rule["model"]]
        assert suite.blocking and suite.table == f"staging.{rule['model']}"
        checks = [e for e in suite.expectations if e.get("kwargs", {}).get("column") == rule["flag"]]
        assert len(checks) == 1 and plausibility_rule(checks[0]) == rule["rule"]
        assert checks[0]["kwargs"]["value_set"] == [False]
    for path in EXPECTATIONS_DIR.glob("*/*.json"):
        expectations = json.loads(path.read_text())["expectations"]
        assert not [e for e in expectations if plausibility_rule(e)], f"{path} declares a row rule"
