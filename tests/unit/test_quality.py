"""GX suites as checks: how suites are read, and how their history is kept."""

import pytest
from dagster import AssetKey

from dagster_project.ingest.contracts import contract_by_name
from dagster_project.quality.engine import prune_results
from dagster_project.quality.suites import contract_suite, load_suites
from tests.helpers import make_settings


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


def _incidents_table(conn, n: int, flagged: int, built_at: str = "2026-07-01 02:00:00", first: int = 1) -> None:
    conn.execute("create schema if not exists staging")
    conn.execute(
        """create table if not exists staging.stg_servicedesk__incidents (
                incident_id varchar, incident_number varchar, opened_at timestamp, priority_code integer,
                has_response_before_open boolean, has_resolution_before_response boolean,
                has_resolution_before_open boolean, _built_at timestamp)"""
    )
    conn.execute(
        f"""insert into staging.stg_servicedesk__incidents
            select 'sys' || i, 'INC' || lpad(i::varchar, 7, '0'), timestamp '2025-01-01', 3,
                   false, i < {first + flagged}, false, timestamp '{built_at}'
            from range({first}, {first + n}) t(i)"""
    )


@pytest.mark.parametrize(("flagged", "passes"), [(2, True), (50, False)])
def test_a_plausibility_rule_passes_at_0_2_percent_and_fails_at_5_percent(tmp_path, flagged, passes):
    import duckdb

    from dagster_project.quality.engine import validate_suite

    conn = duckdb.connect()
    _incidents_table(conn, 1000, flagged)
    suite = next(s for s in load_suites() if s.name == "stg_servicedesk__incidents")
    outcome = validate_suite(conn, suite, make_settings(tmp_path, tmp_path / "landing", row_rule_tolerance=0.01))

    assert outcome.success is passes
    rule = next(r for r in outcome.flagged if r["column"] == "has_resolution_before_response")
    assert (rule["flagged_rows"], rule["rows"], rule["share"]) == (flagged, 1000, flagged / 1000)
    assert rule["rule"] == "resolved before the first response"
    # The offending rows are named by their incident number, not by "true".
    assert rule["sample_keys"][:2] == ["INC0000001", "INC0000002"]
    if not passes:
        (failure,) = outcome.failures
        assert failure["rule"] == "resolved before the first response"
        assert failure["unexpected_count"] == 50 and failure["unexpected_share"] == pytest.approx(0.05)


def test_a_suite_files_own_mostly_overrides_the_default_tolerance():
    from dagster_project.quality.engine import with_tolerance

    rule = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "f", "value_set": [False]},
            "meta": {"plausibility": "x"}}
    assert with_tolerance(rule, 0.01)["kwargs"]["mostly"] == pytest.approx(0.99)
    own = {**rule, "kwargs": {**rule["kwargs"], "mostly": 0.9}}
    assert with_tolerance(own, 0.01)["kwargs"]["mostly"] == 0.9
    invariant = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "k"}}
    assert "mostly" not in with_tolerance(invariant, 0.01)["kwargs"]


def _incidents_suite_with_key():
    """The incidents suite with a key check added: these tests exercise the engine's
    uniqueness search (the model's own key is a dbt test, not in its GX suite)."""
    import dataclasses

    suite = next(s for s in load_suites() if s.name == "stg_servicedesk__incidents")
    key = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "incident_id"}}
    return dataclasses.replace(suite, expectations=[*suite.expectations, key])


def test_a_suite_with_changed_rows_audits_the_rows_written_since_its_last_pass(tmp_path):
    """The row rules of an incremental table run on the night's rows; keys stay unique
    across the whole table (DuckDB finds the duplicated ones); a failed audit is repeated
    until it passes; the plausibility share stays a share of the whole table."""
    import duckdb

    from dagster_project.quality.engine import validate_suite

    conn = duckdb.connect()
    settings = make_settings(tmp_path, tmp_path / "landing", row_rule_tolerance=0.01)
    suite = _incidents_suite_with_key()
    assert suite.changed_rows_column == "_built_at"
    _incidents_table(conn, 1000, 0)
    first = validate_suite(conn, suite, settings)
    assert first.success and first.rows_audited == 1000 and first.audited_since is None

    _incidents_table(conn, 10, 0, built_at="2026-07-02 02:00:00", first=1001)  # the next night
    second = validate_suite(conn, suite, settings)
    assert second.success and second.rows_audited == 10
    assert second.audited_since == "2026-07-01 02:00:00"

    # A night that writes a key already there: the duplicate is caught, with its old row.
    conn.execute("""insert into staging.stg_servicedesk__incidents
                    select * replace (timestamp '2026-07-03 02:00:00' as _built_at)
                    from staging.stg_servicedesk__incidents where incident_id = 'sys5'""")
    third = validate_suite(conn, suite, settings)
    assert not third.success and third.rows_audited == 1
    assert [f["expectation"] for f in third.failures] == ["expect_column_values_to_be_unique"]
    # Not passed, so not forgotten: the next run audits those rows again.
    again = validate_suite(conn, suite, settings)
    assert not again.success and again.audited_since == "2026-07-02 02:00:00"

    # The plausibility share is the whole table's: 8 flagged rows of 1,018 pass at 1 %,
    # though they are all of the night's 8 rows.
    conn.execute("delete from staging.stg_servicedesk__incidents where _built_at = timestamp '2026-07-03 02:00:00'")
    _incidents_table(conn, 8, 8, built_at="2026-07-04 02:00:00", first=2001)
    fourth = validate_suite(conn, suite, settings)
    assert fourth.success and fourth.rows_audited == 8
    rule = next(r for r in fourth.flagged if r["column"] == "has_resolution_before_response")
    assert (rule["flagged_rows"], rule["rows"]) == (8, 1018)


@pytest.mark.parametrize(("old_flagged", "passes"), [(5, True), (30, False)])
def test_a_nightly_plausibility_share_counts_the_rows_gx_does_not_see(tmp_path, old_flagged, passes):
    """Since a pass, GX sees the night's rows and DuckDB counts the rest of the table: the
    share, the verdict and the counts are those of an audit of the whole table."""
    import duckdb

    from dagster_project.quality.engine import AUDITED, validate_suite

    conn = duckdb.connect()
    settings = make_settings(tmp_path, tmp_path / "landing", row_rule_tolerance=0.01)
    suite = next(s for s in load_suites() if s.name == "stg_servicedesk__incidents")
    _incidents_table(conn, 1000, 0)
    assert validate_suite(conn, suite, settings).success
    # Older rows that break the rule, and two without a value, then a night with 2 of 10 flagged.
    conn.execute(f"""update staging.stg_servicedesk__incidents set has_resolution_before_response = true
                     where incident_id in (select 'sys' || i from range(1, {old_flagged + 1}) t(i))""")
    conn.execute("""update staging.stg_servicedesk__incidents set has_resolution_before_response = null
                    where incident_id in ('sys900', 'sys901')""")
    _incidents_table(conn, 10, 2, built_at="2026-07-02 02:00:00", first=1001)

    nightly = validate_suite(conn, suite, settings)
    assert nightly.audited_since == "2026-07-01 02:00:00" and nightly.rows_audited == 10
    conn.execute(f"delete from {AUDITED}")
    whole = validate_suite(conn, suite, settings)
    assert whole.audited_since is None and whole.rows_audited == 1010

    def rule(outcome):
        return next(r for r in outcome.flagged if r["column"] == "has_resolution_before_response")

    assert (rule(nightly)["flagged_rows"], rule(nightly)["rows"]) == (old_flagged + 2, 1010)
    assert {k: v for k, v in rule(nightly).items() if k != "sample_keys"} == \
        {k: v for k, v in rule(whole).items() if k != "sample_keys"}
    assert nightly.success is whole.success is passes
    assert rule(nightly)["sample_keys"][:2] == ["INC0001001", "INC0001002"]  # the night's first
    assert rule(whole)["sample_keys"][0] == "INC0000001"


def test_only_rules_with_an_sql_form_are_counted_outside_gx():
    """A value set becomes SQL (quoted, typed); a rule of another kind, or a set with a
    null, has no SQL form here and is decided by GX over the whole table, with its
    suite's other plausibility rules."""
    import duckdb

    from dagster_project.quality.engine import _countable, _flags_sql

    def rule(type_, **kwargs):
        return {"type": type_, "kwargs": {"column": "c", **kwargs}}

    sql = _flags_sql(rule("expect_column_values_to_be_in_set", value_set=["it's", "b"]))
    conn = duckdb.connect()
    flagged = conn.execute(f"select count(*) filter (where {sql}) from (values ('it''s'), ('b'), ('x'), (null)) t(c)")
    assert flagged.fetchall() == [(1,)]
    assert _flags_sql(rule("expect_column_values_to_be_in_set", value_set=[False])) == '("c" is not null and "c" not in (false))'
    assert _flags_sql(rule("expect_column_values_to_be_in_set", value_set=[None, False])) is None
    assert _flags_sql(rule("expect_column_values_to_be_between", min_value=0, max_value=1)) is None
    # Counts are matched to GX's results by (type, column): two such rules alike go to GX.
    flag = rule("expect_column_values_to_be_in_set", value_set=[False])
    assert _countable([flag]) and not _countable([flag, flag]) and not _countable([])


def test_a_watermark_holds_only_for_the_expectations_it_was_earned_with(tmp_path):
    """Since a pass, keys are grouped only where the night's rows hold them; a suite whose
    expectations changed (or a watermark from before they were recorded) audits its
    whole table again, and so finds what older rows hold."""
    import dataclasses

    import duckdb

    from dagster_project.quality.engine import AUDITED, validate_suite

    conn = duckdb.connect()
    settings = make_settings(tmp_path, tmp_path / "landing", row_rule_tolerance=0.01)
    suite = _incidents_suite_with_key()
    _incidents_table(conn, 1000, 0)
    # A watermark written before watermarks named their expectations: not trusted.
    conn.execute("create schema if not exists raw")
    conn.execute(f"create table {AUDITED} (suite varchar, audited_through varchar, audited_at timestamptz)")
    conn.execute(f"insert into {AUDITED} values (?, '2026-07-01 02:00:00', now())", [suite.name])
    first = validate_suite(conn, suite, settings)
    assert first.success and first.audited_since is None and first.rows_audited == 1000

    # A duplicate slipped in behind the watermark (a writer that left the changed-rows
    # column alone): no row of the night holds its key, so the nightly search skips it.
    conn.execute("""insert into staging.stg_servicedesk__incidents
                    select * from staging.stg_servicedesk__incidents where incident_id = 'sys7'""")
    _incidents_table(conn, 5, 0, built_at="2026-07-02 02:00:00", first=1001)
    nightly = validate_suite(conn, suite, settings)
    assert nightly.success and nightly.audited_since == "2026-07-01 02:00:00" and nightly.rows_audited == 5

    # A new expectation: the suite starts over on the whole table, and the old duplicate is found.
    stricter = dataclasses.replace(suite, expectations=[
        *suite.expectations,
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "opened_at"}},
    ])
    again = validate_suite(conn, stricter, settings)
    assert again.audited_since is None and again.rows_audited == 1006
    assert not again.success
    assert [f["expectation"] for f in again.failures] == ["expect_column_values_to_be_unique"]


@pytest.mark.parametrize(("flagged", "passes"), [(50, True), (200, False)])
def test_rules_over_a_big_frame_are_validated_in_chunks_and_decided_on_the_whole(tmp_path, monkeypatch, flagged, passes):
    """GX's pandas engine needs several times a frame's memory, so row-by-row rules run
    on chunks. 50 flagged rows all fall in the first chunk of 2,048 (2.4 %, over the 1 %
    tolerance) but are 0.5 % of the 10,000 rows: the rule passes, as it does unchunked."""
    import duckdb

    from dagster_project.quality import engine

    suite = next(s for s in load_suites() if s.name == "stg_servicedesk__incidents")
    outcomes = {}
    for chunk_rows in (10**9, 2048):
        monkeypatch.setattr(engine, "CHUNK_ROWS", chunk_rows)
        conn = duckdb.connect()
        _incidents_table(conn, 10_000, flagged)
        conn.execute("update staging.stg_servicedesk__incidents set priority_code = 9 where incident_id = 'sys9999'")
        settings = make_settings(tmp_path / str(chunk_rows), tmp_path / "landing", row_rule_tolerance=0.01)
        outcomes[chunk_rows] = engine.validate_suite(conn, suite, settings)
    whole, chunked = outcomes[10**9], outcomes[2048]

    assert chunked.rows_audited == whole.rows_audited == 10_000
    assert chunked.success is whole.success is False  # the priority 9 fails either way
    rule = next(r for r in chunked.flagged if r["column"] == "has_resolution_before_response")
    assert (rule["flagged_rows"], rule["rows"], rule["passed"]) == (flagged, 10_000, passes)
    assert rule["sample_keys"][:2] == ["INC0000001", "INC0000002"]
    assert chunked.flagged == whole.flagged
    assert chunked.failures == whole.failures
    assert {f["kwargs"].get("column") for f in chunked.failures} == {"priority_code"} | (
        set() if passes else {"has_resolution_before_response"})
    assert chunked.evaluated == whole.evaluated


def test_frames_are_not_hashed_for_a_fingerprint(tmp_path):
    """GX would hash every frame under 1 GB, row by row, for a fingerprint it only stores
    in the result: the stored results name the suite and run, and carry no fingerprint."""
    import duckdb

    from dagster_project.quality import engine

    conn = duckdb.connect()
    _incidents_table(conn, 2_000, 2)
    suite = next(s for s in load_suites() if s.name == "stg_servicedesk__incidents")
    settings = make_settings(tmp_path, tmp_path / "landing")
    assert engine.validate_suite(conn, suite, settings, run_name="fingerprint-probe").success
    stored = list((settings.data_dir / "gx").rglob("*fingerprint-probe*/**/*.json"))
    assert stored, "the run's validation results were not stored"
    assert not [p for p in stored if "pandas_data_fingerprint" in p.read_text()]


def test_validated_frames_are_released_after_each_suite(tmp_path, monkeypatch):
    """GX's datasource would keep, in its execution engine, each batch's frame for the
    life of the context (the process): a nightly run's suites would hold the last frame
    of every one."""
    import gc
    import weakref

    import duckdb

    from dagster_project.quality import engine

    given = []
    real_chunks = engine._chunks

    def watched(*args):
        for frame in real_chunks(*args):
            given.append(weakref.ref(frame))
            yield frame

    monkeypatch.setattr(engine, "_chunks", watched)
    conn = duckdb.connect()
    _incidents_table(conn, 5_000, 2)
    suite = next(s for s in load_suites() if s.name == "stg_servicedesk__incidents")
    settings = make_settings(tmp_path, tmp_path / "landing")
    assert engine.validate_suite(conn, suite, settings).rows_audited == 5_000

    gc.collect()
    kept = [ref for ref in given if ref() is not None]
    assert given and not kept, f"{len(kept)} of the {len(given)} validated frames are still held"


def test_the_gx_project_names_no_config_variables_file(tmp_path):
    """GX would parse config_variables.yml again at every look-up of a store's name, some
    40 per suite; the pipeline keeps no variables in it."""
    import great_expectations as gx

    from dagster_project.quality import engine

    assert engine.gx_context(tmp_path).variables.config_variables_file_path is None
    reopened = gx.get_context(mode="file", project_root_dir=str(tmp_path / "gx"))
    assert reopened.variables.config_variables_file_path is None
