"""GX suites as checks: how suites are read, and how their history is kept."""

from dagster import AssetKey

from dagster_project.ingest.contracts import contract_by_name
from dagster_project.quality import contract_suite, load_suites, prune_results


def test_contract_suite_checks_keys_duplicates_per_file_columns_and_ledger_count():
    suite = contract_suite(contract_by_name("servicedesk__incidents"))
    kinds = [e["type"] for e in suite.expectations]
    assert suite.asset_key == AssetKey(["raw", "servicedesk__incidents"])
    assert suite.blocking
    assert "expect_table_row_count_to_equal" in kinds
    unique = next(e for e in suite.expectations if e["type"] == "expect_compound_columns_to_be_unique")
    assert unique["kwargs"]["column_list"] == ["sys_id", "sys_updated_on", "_file"]
    # Only the columns the suite reads are loaded: never the whole wide table.
    assert set(suite.needed_columns()) == {"sys_id", "sys_updated_on", "_file"}


def test_every_layer_has_suites_and_every_suite_names_its_table():
    suites = load_suites()
    assert {s.layer for s in suites} == {"raw", "staging", "intermediate", "marts"}
    for suite in suites:
        assert suite.table.split(".")[0] in {"raw", "staging", "intermediate", "marts"}
        assert suite.severity in {"ERROR", "WARN"}


def test_old_validation_results_are_pruned_newest_kept(tmp_path):
    runs = [f"20261101T0000{i:02d}.000000Z" for i in range(10)]
    for root in ("gx/gx/uncommitted/validations", "data_docs/validations"):
        for run in runs:
            (tmp_path / root / "suite_a" / "__none__" / run).mkdir(parents=True)
        (tmp_path / root / "suite_b" / "__none__" / runs[0]).mkdir(parents=True)
    prune_results(tmp_path, ["suite_a"], keep=3)
    for root in ("gx/gx/uncommitted/validations", "data_docs/validations"):
        kept = sorted(p.name for p in (tmp_path / root / "suite_a" / "__none__").iterdir())
        assert kept == runs[-3:]
        assert (tmp_path / root / "suite_b" / "__none__" / runs[0]).exists()
