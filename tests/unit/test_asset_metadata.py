"""What the Dagster UI shows about the assets: groups in flow order, descriptions
without SQL, the contracts' columns on raw assets, publish's lineage and owner, and why
the nightly schedule skips."""

from dagster import AssetKey, TableSchema, build_schedule_context

from dagster_project import automation
from dagster_project.definitions import build_definitions
from dagster_project.groups import BY_LAYER, PUBLISH
from dagster_project.ingest.contracts import contract_by_name
from tests.helpers import make_settings


def _graph(tmp_path):
    return build_definitions(make_settings(tmp_path / "data", tmp_path / "landing")).resolve_asset_graph()


def test_groups_sort_in_the_order_data_flows(tmp_path):
    graph = _graph(tmp_path)
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    flow = [BY_LAYER["raw"], BY_LAYER["reference"], BY_LAYER["staging"], BY_LAYER["intermediate"], BY_LAYER["marts"], PUBLISH]
    assert groups == set(flow)
    assert sorted(flow) == flow
    assert graph.get(AssetKey(["marts", "program_impact"])).group_name == BY_LAYER["marts"]
    assert graph.get(AssetKey(["raw", "hris__workers"])).group_name == BY_LAYER["raw"]


def test_dbt_descriptions_leave_out_the_sql_and_columns_are_described(tmp_path):
    node = _graph(tmp_path).get(AssetKey(["marts", "program_roi"]))
    assert node.description.startswith("Phillips ROI per program") and "Raw SQL" not in node.description
    schema = node.metadata["dagster/column_schema"]
    schema = getattr(schema, "schema", schema)
    assert all(column.description for column in schema.columns)


def test_raw_assets_carry_their_contracts_columns(tmp_path):
    node = _graph(tmp_path).get(AssetKey(["raw", "hris__workers"]))
    schema = node.metadata["dagster/column_schema"]
    schema = getattr(schema, "schema", schema)
    assert isinstance(schema, TableSchema)
    contract = contract_by_name("hris__workers")
    names = [c.name for c in schema.columns]
    assert names[: len(contract.columns)] == [c.name for c in contract.columns] and "_file" in names
    legal_name = next(c for c in schema.columns if c.name == "Legal_Name")
    assert "PII" in legal_name.description and "pii" in legal_name.tags


def test_publish_depends_on_the_marts_only_and_has_an_owner_and_the_report_follows(tmp_path):
    graph = _graph(tmp_path)
    publish = graph.get(AssetKey(["serving", "published_marts"]))
    assert publish.parent_keys and all(key.path[0] == "marts" for key in publish.parent_keys)
    assert "team:ld-analytics" in publish.owners
    report = graph.get(AssetKey(["serving", "impact_report"]))
    assert report.parent_keys == {AssetKey(["serving", "published_marts"])}


def test_the_nightly_schedule_says_why_it_skips(tmp_path, monkeypatch):
    settings = make_settings(tmp_path / "data", tmp_path / "landing")
    defs = build_definitions(settings)
    schedule = defs.resolve_schedule_def("nightly_impact")
    monkeypatch.setattr(automation, "up_to_date", lambda *a: "run-42")
    skipped = schedule.evaluate_tick(build_schedule_context())
    assert skipped.skip_message and "nothing changed since published run run-42" in skipped.skip_message
    monkeypatch.setattr(automation, "up_to_date", lambda *a: None)
    assert len(schedule.evaluate_tick(build_schedule_context()).run_requests) == 1
