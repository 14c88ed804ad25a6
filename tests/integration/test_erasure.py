"""A person named in erasure_requests.csv leaves every copy under the data directory,
with real runs: raw, quarantine, staging, intermediate, marts, the published runs kept
for rollback, the Dagster event log, and later deliveries that still hold them."""

import csv
import datetime as dt
import gzip
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, job, op

from dagster_project.dbt_project import ensure_manifest
from dagster_project.ingest import erasure
from dagster_project.ingest.contracts import contract_by_name
from dagster_project.ingest.erasure_asset import forget_in_event_log, forget_in_files
from dagster_project.instance import write_instance_config
from dagster_project.keys import person_key
from dagster_project.publish.record import up_to_date
from dagster_project.publish.switch import Layout
from tests.helpers import TEST_SECRET, make_settings, run_pipeline

pytestmark = pytest.mark.integration


def _person(warehouse: Path) -> dict[str, str]:
    """A support agent with tickets, learning records and a name nobody else has."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        row = conn.execute(
            """
            with names as (select Legal_Name from raw.hris__workers group by Legal_Name
                           having count(distinct Employee_ID) = 1)
            select w.Employee_ID, w.Work_Email, w.Legal_Name, u.username, u.lms_user_id
            from raw.hris__workers w
            join names using (Legal_Name)
            join raw.lms__users u on lower(u.email) = lower(w.Work_Email)
            where w.Work_Email in (select "assigned_to.email" from raw.servicedesk__incidents)
              and w.Work_Email in (select respondent_email from raw.lms__surveys)
              and w.Employee_ID not in (select Manager_Employee_ID from raw.hris__workers where Manager_Employee_ID is not null)
            order by w.Employee_ID limit 1
            """
        ).fetchone()
    assert row, "the sample has a support agent with tickets, learning and survey answers"
    return dict(zip(("employee_id", "email", "name", "username", "lms_user_id"), row, strict=True))


def _holding(root: Path, needles: list[str], skip: list[Path]) -> list[str]:
    return [str(p.relative_to(root)) for p in erasure.files_holding(root, needles, skip)]


def _deliver_again(landing: Path, email: str) -> Path:
    """A later incidents file holding the erased person's tickets again (under new ids)
    beside some of other people's."""
    folder = landing / "servicedesk" / "incidents"
    newest = max(folder.iterdir())
    with (gzip.open if newest.suffix == ".gz" else open)(newest, "rt", newline="") as handle:
        header, *body = list(csv.reader(handle))
    column, sys_id = header.index("assigned_to.email"), header.index("sys_id")
    theirs = [r for r in body if r[column] == email][:5]
    assert theirs, "the newest incidents file has their tickets"
    for number, row in enumerate(theirs):
        row[sys_id] = f"{number:032x}"
    extract = dt.date.fromisoformat(newest.name.split("_")[-1][:10]) + dt.timedelta(days=1)
    target = folder / f"incidents_{extract.isoformat()}.csv"
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([*theirs, *[r for r in body if r[column] != email][:3]])
    return target


def _search_naming(landing: Path, name: str, searcher: str) -> str:
    """A later search-log file with a colleague's query that names the person."""
    folder = landing / "search" / "queries"
    newest = max(folder.iterdir())
    extract = dt.date.fromisoformat(newest.name.split("_")[-1][:10]) + dt.timedelta(days=1)
    row = {"query_id": "erasure-test-query", "user.email": searcher, "searched_at": f"{extract}T09:00:00Z",
           "query_text": f"ask {name} about the vpn token", "results_count": "0", "clicked_result": "",
           "source": "chat", "clicked_at": ""}
    columns = [c.name for c in contract_by_name("search__queries").columns]
    with open(folder / f"queries_{extract.isoformat()}.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow([row[c] for c in columns])
    return row["query_id"]


def test_an_erased_person_leaves_every_copy_and_does_not_come_back(tmp_path, small_landing, pipeline):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    config = tmp_path / "config"
    shutil.copytree(pipeline.settings.config_dir, config)
    # Yesterday's run: the session's, copied in (its published run is kept for rollback).
    data = tmp_path / "data"
    shutil.copytree(pipeline.settings.data_dir, data, symlinks=True)
    settings = make_settings(data, landing, config_dir=config)
    home = data / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    write_instance_config(home)
    with DagsterInstance.local_temp(str(home)) as instance:
        person = _person(settings.warehouse_path)
        key = person_key(TEST_SECRET, person["employee_id"])
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
            (colleague,) = conn.execute(
                'select "user.email" from raw.search__queries where lower("user.email") <> lower(?) limit 1',
                [person["email"]],
            ).fetchone()
        naming = _search_naming(landing, person["name"], colleague)
        needles = [*person.values(), key]
        assert _holding(data, needles, [home]), "before the request, the warehouse holds them"

        (config / erasure.REQUESTS_FILE).write_text(
            f"request_id,identifier,requested_at\nER-0001,{person['username']},2026-12-01\n"
        )
        assert up_to_date(settings, ensure_manifest()) is None, "a new request is a change"
        second = run_pipeline(settings, instance)
        assert second.success, [e.message for e in second.all_events if e.is_failure]

        assert _holding(data, needles, []) == []
        assert Layout(data).history() == [second.run_id], "no published run kept for rollback still holds them"
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
            log = conn.execute(f"select * from {erasure.LOG}").fetchall()
            columns = [c for (c,) in conn.execute(f"select column_name from (describe {erasure.LOG})").fetchall()]
        assert columns == ["request_id", "identifier_hash", "requested_at", "erased_at", "table_name", "rows_removed"]
        removed = {table: rows for _, _, _, _, table, rows in log}
        assert removed["raw.servicedesk__incidents"] > 0 and removed["raw.hris__workers"] > 0
        assert removed["raw.lms__xapi_statements"] > 0 and removed[erasure.PUBLISHED] == 1
        # Their own knowledge-article views and searches go; a colleague's query naming
        # them stays, blanked.
        assert removed["raw.servicedesk__kb_use"] > 0 and removed["raw.search__queries"] > 0
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
            kept = conn.execute("select query_text from raw.search__queries where query_id = ?", [naming]).fetchall()
        assert kept == [(None,)]

        # A later delivery that still holds them: filtered on ingest.
        _deliver_again(landing, person["email"])
        third = run_pipeline(settings, instance)
        assert third.success
        assert _holding(data, needles, []) == []
        assert up_to_date(settings, ensure_manifest()) == third.run_id

    # The warehouse rebuilt from the landing folder, the request already filed: the person
    # is found through the identity feeds as they load, in whatever order.
    rebuilt = tmp_path / "rebuilt"
    rebuilt_settings = make_settings(rebuilt, landing, config_dir=config)
    (rebuilt / "dagster_home").mkdir(parents=True)
    write_instance_config(rebuilt / "dagster_home")
    with DagsterInstance.local_temp(str(rebuilt / "dagster_home")) as instance:
        assert run_pipeline(rebuilt_settings, instance).success
    assert _holding(rebuilt, needles, []) == []


def test_event_logs_that_mention_an_erased_person_are_deleted(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    write_instance_config(home)
    email = "pat.example-erased@acme.example"

    @op
    def says_who(context):
        context.log.info(f"a quarantined line mentioned {email}")

    @job
    def mentions():
        says_who()

    @op
    def says_nothing(context):
        context.log.info("nothing personal")

    @job
    def quiet():
        says_nothing()

    with DagsterInstance.local_temp(str(home)) as instance:
        mentioned = mentions.execute_in_process(instance=instance).run_id
        kept = quiet.execute_in_process(instance=instance).run_id
        assert erasure.files_holding(home, [email])
        assert forget_in_event_log(instance, [email], keep_run_id=None) == 1
        assert instance.get_run_by_id(mentioned) is None and instance.get_run_by_id(kept) is not None
        settings = make_settings(tmp_path, tmp_path / "landing")
        forget_in_files(settings, [email])
        assert erasure.files_holding(home, [email]) == []
