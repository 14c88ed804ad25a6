"""Feed contracts are the one source of truth: dbt sources and PII flags follow them."""

import json

from dagster_project.ingest.contracts import load_contracts
from dagster_project.transform import ensure_manifest


def manifest_sources() -> dict:
    manifest = json.loads(ensure_manifest().read_text())
    return {(s["schema"], s["identifier"]): s for s in manifest["sources"].values()}


def test_every_contract_has_a_dbt_source_over_its_raw_table():
    sources = manifest_sources()
    for contract in load_contracts():
        assert ("raw", contract.name) in sources, contract.name


def test_contract_pii_columns_are_flagged_pii_in_dbt():
    sources = manifest_sources()
    for contract in load_contracts():
        columns = sources[("raw", contract.name)]["columns"]
        for column in contract.columns:
            if column.pii:
                assert column.name in columns, (contract.name, column.name)
                meta = {**columns[column.name].get("meta", {}), **columns[column.name].get("config", {}).get("meta", {})}
                assert meta.get("pii") is True, (contract.name, column.name)


def test_contracts_are_well_formed():
    for contract in load_contracts():
        assert contract.format in ("csv", "jsonl")
        assert contract.key
        if contract.format == "csv":
            names = [c.name for c in contract.columns]
            assert len(names) == len(set(names))
            assert set(contract.key) <= set(names)
        if contract.kind == "incremental" and contract.format == "csv":
            assert contract.version_column in {c.name for c in contract.columns}
