"""The landing folder as a run finds it: refused when it would publish emptiness,
followed by the ledger when files are withdrawn, and every file either read or named."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import ledger
from dagster_project.ingest.contracts import load_contracts
from dagster_project.ingest.landing import LandingError, check_landing, discover, survey
from tests.unit.ingest.helpers import (
    CRM_USERS,
    INCIDENTS,
    XAPI,
    columns_of,
    connect,
    csv_line,
    deliver_csv,
    deliver_jsonl,
    feed_folder,
    file_key,
    incident,
    load,
    q,
    quarantine_of,
    statement,
)

CONFIG = Path(__file__).resolve().parents[3] / "sources" / "sample_config"


def full_landing(root: Path) -> Path:
    """One small file for every landing feed of the contract."""
    for contract in load_contracts():
        if contract.root != "landing":
            continue
        if contract.format == "csv":
            deliver_csv(root, contract, "2024-01-31", [])
        else:
            deliver_jsonl(root, contract, "2024-01-31", [statement(1)])
    return root


def test_a_missing_landing_folder_is_refused_naming_the_path_and_the_setting(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(LandingError) as error:
        check_landing(load_contracts(), missing, CONFIG)
    assert str(missing) in str(error.value) and "IMPACT_LANDING_DIR" in str(error.value)


def test_an_empty_landing_folder_is_refused(tmp_path):
    (tmp_path / "landing" / "crm" / "users").mkdir(parents=True)
    with pytest.raises(LandingError, match="holds no extract file"):
        check_landing(load_contracts(), tmp_path / "landing", CONFIG)


def test_a_required_feed_without_a_file_is_refused_with_what_its_contract_expects(tmp_path):
    landing = full_landing(tmp_path / "landing")
    for path in (landing / "crm" / "opportunities").iterdir():
        path.unlink()
    with pytest.raises(LandingError) as error:
        check_landing(load_contracts(), landing, CONFIG)
    message = str(error.value)
    assert "crm__opportunities" in message and "opportunities_<YYYY-MM-DD>.csv" in message
    assert "sources/contracts/crm__opportunities.yml" in message
    assert "servicedesk__incidents" not in message
    assert check_landing(load_contracts(), full_landing(tmp_path / "complete"), CONFIG)


def test_unrecognised_names_and_links_outside_the_folder_are_named_not_read(tmp_path):
    landing = full_landing(tmp_path / "landing")
    stray = landing / "servicedesk" / "incidents" / "incidents-2024-02-01.csv"
    stray.write_text("x\n")
    (landing / "README.txt").write_text("drops go here\n")
    elsewhere = tmp_path / "elsewhere" / "incidents_2024-03-31.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_text(",".join(columns_of(INCIDENTS)) + "\n" + csv_line(incident(1)) + "\n")
    link = landing / "servicedesk" / "incidents" / "incidents_2024-03-31.csv"
    os.symlink(elsewhere, link)
    dotdot = landing / "servicedesk" / "incidents" / "incidents_2024-04-30.csv"
    os.symlink(Path("..") / ".." / ".." / "elsewhere" / "incidents_2024-03-31.csv", dotdot)

    found = survey(load_contracts(), landing, CONFIG)
    assert set(found.unrecognised) == {stray, landing / "README.txt"}
    assert set(found.outside) == {link, dotdot}
    keys = [f.key for f in discover(INCIDENTS, landing, CONFIG)]
    assert keys == [file_key(INCIDENTS, "incidents_2024-01-31.csv")]


def test_file_names_not_matching_the_pattern_are_ignored(tmp_path):
    landing = tmp_path / "landing"
    deliver_csv(landing, CRM_USERS, "2024-01-01", [["u1", "a@example.com", "true"]])
    folder = feed_folder(landing, CRM_USERS)
    for stray in ("users_2024-01-01.csv.bak", "users_latest.csv", "users_2024-1-2.csv", "other_2024-01-01.csv", "users_2024-01-01.jsonl"):
        (folder / stray).write_text("garbage\n")
    (folder / "users_2024-01-05.csv").mkdir()
    conn = connect(tmp_path / "w.duckdb")

    result = load(conn, CRM_USERS, landing)

    assert [f.key for f in result.files] == [file_key(CRM_USERS, "users_2024-01-01.csv")]
    assert load(conn, CRM_USERS, tmp_path / "no-such-landing").files == []


def test_a_file_withdrawn_from_the_landing_folder_leaves_raw_in_one_step(tmp_path):
    landing = tmp_path / "landing"
    kept = deliver_csv(landing, INCIDENTS, "2024-01-31", [incident(1), incident(2)])
    withdrawn = deliver_csv(landing, INCIDENTS, "2024-02-29", [incident(3), incident(4, opened_at="soon")])
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    load(conn, INCIDENTS, landing)
    assert q(conn, f"select count(*) from {INCIDENTS.table}") == [(4 - 1,)]

    withdrawn.unlink()
    result = load(conn, INCIDENTS, landing)

    assert [(f.key, f.status, f.rows_loaded) for f in result.files if f.status == "retracted"] == [
        (file_key(INCIDENTS, withdrawn.name), "retracted", 1)
    ]
    assert result.rows_retracted == 1 and result.rows_loaded == 0
    assert q(conn, f"select distinct _file from {INCIDENTS.table}") == [(file_key(INCIDENTS, kept.name),)]
    assert q(conn, f"select file from {ledger.LEDGER}") == [(file_key(INCIDENTS, kept.name),)]
    assert quarantine_of(conn, file_key(INCIDENTS, withdrawn.name)) == []
    # Nothing more to retract the next time.
    assert load(conn, INCIDENTS, landing).count("retracted") == 0


def test_a_timestamp_later_than_the_day_after_the_extract_date_is_quarantined_with_the_reason(tmp_path):
    landing = tmp_path / "landing"
    deliver_csv(landing, INCIDENTS, "2024-01-31", [
        incident(1, opened_at="2024-01-31T23:00:00Z", sys_updated_on="2024-02-01T23:59:59Z"),  # the next day is fine
        incident(2, opened_at="2030-01-01T08:00:00Z"),
        incident(3, resolved_at="2024-02-02T00:00:00Z"),
    ])
    deliver_jsonl(landing, XAPI, "2024-01-31", [
        statement(1),
        statement(2, timestamp="2030-05-01T10:00:00Z"),
        statement(3, stored="2024-02-05T10:00:00Z"),
    ])
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    load(conn, INCIDENTS, landing)
    load(conn, XAPI, landing)

    assert q(conn, f"select number from {INCIDENTS.table}") == [("INC0000001",)]
    reasons = quarantine_of(conn, file_key(INCIDENTS, "incidents_2024-01-31.csv"))
    assert [(line, reason) for line, _, reason in reasons] == [
        (3, 'FUTURE: "opened_at" 2030-01-01T08:00:00Z is later than the day after the extract date 2024-01-31'),
        (4, 'FUTURE: "resolved_at" 2024-02-02T00:00:00Z is later than the day after the extract date 2024-01-31'),
    ]
    assert q(conn, f"select count(*) from {XAPI.table}") == [(1,)]
    xapi = quarantine_of(conn, file_key(XAPI, "xapi_statements_2024-01-31.jsonl"))
    assert [(line, reason.split(" is later")[0]) for line, _, reason in xapi] == [
        (2, "FUTURE: timestamp 2030-05-01T10:00:00Z"),
        (3, "FUTURE: stored 2024-02-05T10:00:00Z"),
    ]


def test_a_duplicated_header_column_fails_the_file_naming_the_column(tmp_path):
    landing = tmp_path / "landing"
    header = columns_of(INCIDENTS) + ["priority"]
    deliver_csv(landing, INCIDENTS, "2024-01-31", [incident(1) + ["2 - High"]], header=header)
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    from dagster_project.ingest.loader import FeedFailed

    with pytest.raises(FeedFailed) as failed:
        load(conn, INCIDENTS, landing)
    assert "duplicated column priority in landing/servicedesk/incidents/incidents_2024-01-31.csv" in str(failed.value)
    assert "sources/contracts/servicedesk__incidents.yml" in str(failed.value)
