"""person_key cannot be reversed without the secret, and the secret stays out of
everything the session's run wrote (its data directory and the Dagster instance)."""

import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest

from dagster_project.keys import person_key, unmatched_learner_key
from dagster_project.settings import DEV_SECRET
from tests.helpers import TEST_SECRET

pytestmark = pytest.mark.integration


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hmac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def published_person_keys(pipeline) -> set[str]:
    serving = duckdb.connect(str(pipeline.settings.serving_path), read_only=True)
    try:
        return {r[0] for r in serving.execute("select distinct person_key from learner_outcomes").fetchall()}
    finally:
        serving.close()


def test_person_keys_are_hmacs_of_the_employee_id_under_the_secret(pipeline):
    rows = pipeline.query("select employee_id, person_key from intermediate.int_people__email_to_employee")
    assert rows
    assert all(key == person_key(TEST_SECRET, employee_id) for employee_id, key in rows)
    assert published_person_keys(pipeline) <= {key for _, key in rows}
    unmatched = pipeline.query(
        """select s.actor_identity_type || ':' || s.actor_identity, l.learner_key
           from intermediate.int_learning__statements l
           join staging.stg_lms__xapi_statements s using (statement_id)
           where l.person_key is null"""
    )
    assert unmatched, "the sample has learners no HRIS record matches"
    assert all(key == unmatched_learner_key(TEST_SECRET, identity) for identity, key in unmatched)


def test_enumerating_every_employee_id_with_public_secrets_reverses_no_published_key(pipeline):
    """The attack that worked: hash E00000–E99999 with the public default and look the
    published keys up. Neither the old salted SHA-256 (with the default or even with
    this run's secret as salt) nor any hash or HMAC under the default secret matches."""
    published = published_person_keys(pipeline)
    sample_ids = {r[0] for r in pipeline.query("select employee_id from intermediate.int_people__email_to_employee")}
    ids = [f"E{n:05d}" for n in range(100_000)]
    assert sample_ids <= set(ids), "the enumeration covers the sample's ids"
    guesses = set()
    for employee_id in ids:
        guesses.update(
            {
                _sha256(f"{DEV_SECRET}|hris|{employee_id}"),  # the old person_key, default salt
                _sha256(f"{TEST_SECRET}|hris|{employee_id}"),  # the old person_key with this very secret as salt
                _sha256(employee_id),
                _sha256(f"hris|{employee_id}"),
                _hmac(DEV_SECRET, f"hris|{employee_id}"),
                _hmac(DEV_SECRET, employee_id),
            }
        )
    assert published and not (published & guesses)


def test_the_secret_is_nowhere_in_the_data_directory_nor_the_dagster_instance(pipeline):
    secret = TEST_SECRET.encode()
    roots = [pipeline.settings.data_dir, pipeline.instance.root_directory]
    files = [p for root in roots for p in Path(root).rglob("*") if p.is_file() and not p.is_symlink()]
    assert len(files) > 10
    assert [str(p) for p in files if secret in p.read_bytes()] == []
    # The run's event log, as the UI shows it: "Running dbt command" names no secret.
    messages = [entry.user_message or "" for entry in pipeline.instance.all_logs(pipeline.result.run_id)]
    assert any("Running dbt command" in m and " build " in m for m in messages)
    assert [m for m in messages if TEST_SECRET in m] == []


def test_the_run_writes_owner_only_files(pipeline):
    data = pipeline.settings.data_dir
    loose = [
        f"{oct(p.stat().st_mode & 0o777)} {p}"
        for p in [data, *data.rglob("*")]
        if not p.is_symlink() and p.stat().st_mode & 0o077
    ]
    assert loose == []
